// Package bot implements `hermes bot`: the agent in Telegram and Slack.
package bot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/agent/sysprompt"
	"github.com/hermes-agent/hermes/internal/bot"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/secret"
)

// Options is everything `hermes bot` reads.
type Options struct {
	IO          *iostreams.IOStreams
	Resolve     func(context.Context) (*credential.Runtime, error)
	HermesHome  func() (string, error)
	SecretPaths func() []string
	SecretEnv   func() []string
	Getenv      func(string) string
	Now         func() time.Time
	Verbose     bool

	Allow             []string
	TelegramTokenFile string
	SlackListen       string
	Listen            string
	Model             string
	MaxTokens         int
	MaxTurns          int
	Grace             time.Duration
	Tools             cmdutil.ToolFlags

	// Signals delivers SIGTERM/SIGINT; tests inject their own.
	Signals func() (<-chan os.Signal, func())
}

// platformVars are the variables that hold a platform secret: bash never
// inherits them.
var platformVars = credential.PlatformSecretVars()

// NewCmd returns the `hermes bot` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IO, HermesHome: f.HermesHome, Getenv: f.Getenv, Now: f.Now, Signals: osSignals}
	cmd := &cobra.Command{
		Use:   "bot",
		Short: "Answer in Telegram and Slack: the agent in the team's chat",
		Long: `Run the agent as a chat bot on the platforms configured:

  Telegram   TELEGRAM_BOT_TOKEN (or --telegram-token-file): long polling, no
             public URL; private chats, and groups when mentioned or replied to.
  Slack      SLACK_BOT_TOKEN, and SLACK_APP_TOKEN for Socket Mode (no public
             URL) and/or --slack-listen ADDR for the Events API over HTTP
             (requests signed with SLACK_SIGNING_SECRET, at most 5 minutes
             old); answers in the thread of a mention, or in the DM.

Nobody may talk to it until allowed: --allow telegram:USER_ID (a user),
telegram:CHAT_ID (a group, negative), slack:TEAM/USER_ID or
slack:TEAM/CHANNEL_ID, repeatable, and the "allow" list of
$HERMES_HOME/bot.json. Anyone else gets a refusal naming their id, and
nothing they wrote reaches the model.

Each chat is one agent session, stored like chat's (hermes chat
--list-sessions lists them, -r ID resumes one). In the chat, /new starts
over, /model [NAME] shows or changes the model, /status shows the session.
Answers stream by editing the reply. There is no terminal to ask: a tool
call no rule allows is denied and the reply says which rule would allow it.

On SIGTERM it stops receiving, lets answers in flight finish (--grace),
and exits 0. --listen ADDR serves /healthz and /readyz.`,
		Example: `  TELEGRAM_BOT_TOKEN=... hermes bot --allow telegram:123456789
  hermes bot --allow telegram:123456789 --tools read_file,grep,glob --listen :8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Resolve, opts.SecretPaths, opts.SecretEnv = f.Resolve, f.SecretPaths, f.SecretEnv
			opts.Verbose = f.Verbose
			opts.Tools.Parsed(cmd.Flags())
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	cmdutil.ListFlag(fl, &opts.Allow, "allow", "who may talk to the bot: telegram:USER_ID, telegram:CHAT_ID, slack:TEAM/USER_ID, slack:TEAM/CHANNEL_ID (repeatable; also bot.json's \"allow\")")
	fl.StringVar(&opts.TelegramTokenFile, "telegram-token-file", "", "read the Telegram bot token from FILE (else $TELEGRAM_BOT_TOKEN)")
	fl.StringVar(&opts.SlackListen, "slack-listen", "", "serve Slack's Events API on ADDR (host:port; needs SLACK_SIGNING_SECRET)")
	fl.StringVar(&opts.Listen, "listen", "", "serve /healthz and /readyz on ADDR (host:port)")
	fl.StringVarP(&opts.Model, "model", "m", "", "model (default $HERMES_MODEL, else "+agent.DefaultModel+"); /model changes it per chat")
	fl.IntVar(&opts.MaxTokens, "max-tokens", agent.DefaultMaxTokens, "maximum tokens per answer")
	fl.IntVar(&opts.MaxTurns, "max-turns", agent.DefaultMaxTurns, "maximum model calls per message when tools are used")
	fl.DurationVar(&opts.Grace, "grace", 30*time.Second, "how long answers in flight may finish after SIGTERM (a second signal cuts it short)")
	opts.Tools.Register(fl, false)
	return cmd
}

func osSignals() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	return ch, func() { signal.Stop(ch) }
}

// maxTokenFile bounds --telegram-token-file.
const maxTokenFile = 4096

// Run runs `hermes bot`.
func Run(ctx context.Context, opts *Options) error {
	if err := opts.Tools.Check(); err != nil {
		return err
	}
	if opts.MaxTokens <= 0 || opts.MaxTurns <= 0 {
		return cmdutil.FlagErrorf("--max-tokens and --max-turns must be positive")
	}
	if opts.Grace < 0 {
		return cmdutil.FlagErrorf("--grace must not be negative")
	}
	home, err := opts.HermesHome()
	if err != nil {
		return err
	}
	cfg, err := bot.LoadConfig(home)
	if err != nil {
		return err
	}
	allow, err := bot.NewAllow(append(append([]string{}, opts.Allow...), cfg.Allow...))
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	log := logger(opts)
	tgToken, err := opts.telegramToken()
	if err != nil {
		return err
	}
	slackBot, slackApp, signing := opts.env("SLACK_BOT_TOKEN"), opts.env("SLACK_APP_TOKEN"), opts.env("SLACK_SIGNING_SECRET")
	if err := checkSlack(slackBot, slackApp, signing, opts.SlackListen); err != nil {
		return err
	}
	if tgToken == "" && slackBot == "" {
		return cmdutil.FlagErrorf("no platform to serve: set TELEGRAM_BOT_TOKEN (or --telegram-token-file), or SLACK_BOT_TOKEN with SLACK_APP_TOKEN or --slack-listen")
	}
	// From here on every log line and error masks the platform secrets.
	for _, v := range []string{tgToken, slackBot, slackApp, signing} {
		if v != "" {
			secret.Remember(v)
		}
	}

	rt, err := opts.Resolve(ctx)
	if err != nil {
		return err
	}
	acfg, err := opts.agentConfig(home)
	if err != nil {
		return err
	}
	a, err := agent.New(rt, acfg)
	if err != nil {
		return err
	}
	threads, err := bot.OpenThreads(home)
	if err != nil {
		return err
	}
	b := &bot.Bot{Agent: a, Runtime: rt, Store: agent.NewStore(home), Threads: threads, Allow: allow, Model: acfg.Model, Now: opts.Now, Log: log}
	var adapters []bot.Adapter
	var names []string
	if tgToken != "" {
		adapters = append(adapters, &bot.Telegram{
			// No client timeout: getUpdates holds the request for its
			// long-poll timeout; contexts bound every call.
			Client: &bot.TelegramClient{BaseURL: opts.envOr("HERMES_TELEGRAM_API_URL", bot.DefaultTelegramAPI), Token: tgToken, HTTP: &http.Client{}},
			Home:   home, Log: log,
		})
		names = append(names, "Telegram")
	}
	if slackBot != "" {
		adapters = append(adapters, &bot.Slack{
			API:        bot.NewSlackAPI(opts.envOr("HERMES_SLACK_API_URL", bot.DefaultSlackAPI), slackBot, slackApp),
			SocketMode: slackApp != "", Listen: opts.SlackListen, SigningSecret: signing, Log: log, Now: opts.Now,
			OnListen: func(addr string) {
				fmt.Fprintf(opts.IO.ErrOut, "hermes bot: Slack Events API on http://%s/slack/events\n", addr)
			},
		})
		names = append(names, "Slack")
	}
	if allow.Len() == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "hermes bot: nobody is allowed yet: everyone gets a refusal naming their id; allow people with --allow or bot.json")
	}
	sigs, stopSigs := opts.Signals()
	defer stopSigs()
	ctx, force, stop := cmdutil.Escalate(ctx, sigs, func() {
		fmt.Fprintln(opts.IO.ErrOut, "hermes bot: stopping; answers in flight may finish (a second signal cuts them short)")
	})
	defer stop()
	// Cron runs on this HERMES_HOME without a platform token hand their
	// answers to this bot, which posts them with its own.
	platforms := []string{}
	if tgToken != "" {
		platforms = append(platforms, bot.PlatformTelegram)
	}
	if slackBot != "" {
		platforms = append(platforms, bot.PlatformSlack)
	}
	botEnv := func(k string) string {
		switch k {
		case "TELEGRAM_BOT_TOKEN":
			return tgToken
		case "SLACK_BOT_TOKEN":
			return slackBot
		}
		return opts.Getenv(k)
	}
	if ok, err := bot.ServeOutbox(ctx, home, platforms, botEnv, log); err != nil {
		log.Warn("cron runs cannot hand their answers to this bot", "err", err)
	} else if !ok {
		log.Warn("another hermes bot takes this HERMES_HOME's cron answers")
	}
	srv := &bot.Server{Bot: b, Adapters: adapters, Listen: opts.Listen, Grace: opts.Grace, Force: force,
		OnListen: func(addr string) { fmt.Fprintf(opts.IO.ErrOut, "hermes bot: health on http://%s/healthz\n", addr) }}
	fmt.Fprintf(opts.IO.ErrOut, "hermes bot: serving %s with %s; %d allowed\n", strings.Join(names, " and "), rt.Source, allow.Len())
	return srv.Run(ctx)
}

func (o *Options) env(name string) string { return strings.TrimSpace(o.Getenv(name)) }

// checkSlack refuses a Slack set-up that cannot receive anything.
func checkSlack(botToken, appToken, signing, listen string) error {
	switch {
	case botToken == "" && (appToken != "" || listen != ""):
		return cmdutil.FlagErrorf("Slack needs SLACK_BOT_TOKEN (the xoxb- token) to answer")
	case listen != "" && signing == "":
		return cmdutil.FlagErrorf("--slack-listen needs SLACK_SIGNING_SECRET (Basic Information → App Credentials): unsigned requests are refused")
	case botToken != "" && appToken == "" && listen == "":
		return cmdutil.FlagErrorf("SLACK_BOT_TOKEN is set but nothing receives Slack's events: set SLACK_APP_TOKEN (Socket Mode) or --slack-listen ADDR (Events API)")
	}
	return nil
}

func (o *Options) envOr(name, def string) string {
	if v := strings.TrimSpace(o.Getenv(name)); v != "" {
		return v
	}
	return def
}

// telegramToken is --telegram-token-file's content, else
// TELEGRAM_BOT_TOKEN. A Kubernetes Secret volume mounts files through
// symlinks, so the file is read as it is, not as a private store.
func (o *Options) telegramToken() (string, error) {
	if o.TelegramTokenFile != "" {
		data, err := fsutil.ReadFileLimited(o.TelegramTokenFile, maxTokenFile)
		if err != nil {
			return "", cmdutil.FlagErrorf("--telegram-token-file: %v", err)
		}
		tok := strings.TrimSpace(string(data))
		if tok == "" {
			return "", cmdutil.FlagErrorf("--telegram-token-file %s is empty", o.TelegramTokenFile)
		}
		return tok, nil
	}
	return strings.TrimSpace(o.Getenv("TELEGRAM_BOT_TOKEN")), nil
}

// agentConfig is chat's agent configuration, without an approver: there
// is no terminal, so what no rule allows is denied with the rule that
// would allow it.
func (o *Options) agentConfig(home string) (agent.Config, error) {
	model := o.Model
	if model == "" {
		model = o.Getenv("HERMES_MODEL")
	}
	cfg := agent.Config{Model: model, MaxTokens: o.MaxTokens, MaxTurns: o.MaxTurns}
	if err := o.Tools.Apply(&cfg, home); err != nil {
		return cfg, err
	}
	if o.SecretPaths != nil {
		cfg.Protected = o.SecretPaths()
	}
	if o.TelegramTokenFile != "" {
		abs, err := filepath.Abs(o.TelegramTokenFile)
		if err == nil {
			cfg.Protected = append(cfg.Protected, abs)
		}
	}
	if o.SecretEnv != nil {
		cfg.ProtectedEnv = o.SecretEnv()
	}
	cfg.ProtectedEnv = append(cfg.ProtectedEnv, platformVars...)
	wd, err := os.Getwd()
	if err != nil {
		return cfg, fmt.Errorf("working directory: %w", err)
	}
	tools, err := agent.OfferedTools(cfg)
	if err != nil {
		return cfg, err
	}
	p := sysprompt.Build(sysprompt.Options{WorkDir: wd, Home: home, Tools: tools, PermissionMode: cfg.PermissionMode, Sandbox: string(cfg.Sandbox.Mode), Now: o.Now(), Protected: cfg.Protected})
	for _, w := range p.Warnings {
		fmt.Fprintln(o.IO.ErrOut, "hermes: warning: "+w)
	}
	cfg.System = p.Blocks
	return cfg, nil
}

// logger logs to stderr: info (refusals, failures) by default, debug
// with --verbose; secrets are masked by the values in play.
func logger(o *Options) *slog.Logger {
	level := slog.LevelInfo
	if o.Verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(o.IO.ErrOut, &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		switch a.Value.Kind() {
		case slog.KindString:
			a.Value = slog.StringValue(secret.RedactShapes(secret.Redact(a.Value.String())))
		case slog.KindAny:
			if err, ok := a.Value.Any().(error); ok {
				a.Value = slog.StringValue(secret.RedactShapes(secret.Redact(err.Error())))
			}
		}
		return a
	}}))
}
