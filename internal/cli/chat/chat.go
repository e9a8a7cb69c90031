// Package chat implements `hermes chat`: one-shot (-q or a prompt on
// stdin) and interactive, with sessions, tools and sub-agents.
package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/agent/sysprompt"
	"github.com/hermes-agent/hermes/internal/bot"
	"github.com/hermes-agent/hermes/internal/chatcore"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/markdown"
	"github.com/hermes-agent/hermes/internal/mcp"
	"github.com/hermes-agent/hermes/internal/models"
	"github.com/hermes-agent/hermes/internal/prompt"
	"github.com/hermes-agent/hermes/internal/telemetry"
	"github.com/hermes-agent/hermes/internal/termtext"
	"github.com/hermes-agent/hermes/internal/tui"
)

// maxStdinPrompt bounds a prompt read from stdin.
const maxStdinPrompt = 1 << 20

// Options is everything `hermes chat` reads.
type Options struct {
	IO         *iostreams.IOStreams
	Resolve    func(context.Context) (*credential.Runtime, error)
	HermesHome func() (string, error)
	// SecretPaths lists the credential stores the file tools refuse.
	SecretPaths func() []string
	// SecretEnv names the variables bash must not inherit beyond the
	// credential layer's list (the resolver's SecretEnv).
	SecretEnv func() []string
	Getenv    func(string) string
	Now       func() time.Time
	Verbose   bool

	Query string
	Model string
	// System is --append-system-prompt (alias --system): kept with the
	// session and sent after the system prompt. SystemPrompt
	// (--system-prompt) replaces hermes's default text. Both may be @FILE.
	System                string
	SystemPrompt          string
	PrintSystemPrompt     bool
	NoProjectInstructions bool
	MaxTokens             int
	MaxTurns              int
	// CompactAt is --compact-at (percent of the context window).
	CompactAt int
	// MaxBudgetUSD is --max-budget-usd (one-shot only); 0 means none.
	MaxBudgetUSD float64
	Format       string
	Session      string
	Continue     bool
	ListSessions bool

	// ToolFlags are --tools, the permission flags and the sandbox flags,
	// shared with `hermes bot`; settings files add to them (see
	// permission.Resolve and permission.ResolveSandbox).
	cmdutil.ToolFlags

	// Deliver (one-shot) posts the answer to a chat too:
	// telegram:CHAT_ID or slack:CHANNEL_ID (`cron export --kubernetes`
	// carries a job's --deliver here).
	Deliver string
	// MCPConfig and StrictMCPConfig are --mcp-config (files or JSON)
	// and --strict-mcp-config (only those servers).
	MCPConfig       []string
	StrictMCPConfig bool

	// StdinFd is the terminal behind IO.In for raw-mode line editing.
	StdinFd int
	// AddCredential runs the interactive `hermes auth add` menu; offered
	// when an interactive chat on a terminal finds no credential at all.
	AddCredential func(context.Context) error

	// ListModels lists the model ids /model offers in the terminal UI;
	// nil: /model takes a NAME only. The command wires it to the API.
	ListModels func(context.Context) ([]string, error)

	// Interrupts delivers Ctrl-C presses during an interactive chat; stop
	// releases it. Tests inject their own.
	Interrupts func() (ch <-chan os.Signal, stop func())
}

// NewCmd returns the `hermes chat` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return newCmd(f, nil)
}

func newCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{
		IO:            f.IO,
		HermesHome:    f.HermesHome,
		Getenv:        f.Getenv,
		Now:           f.Now,
		Interrupts:    osInterrupts,
		AddCredential: f.AddCredential,
	}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Chat with Claude, interactively or one-shot",
		Long: `Chat with Claude.

With -q TEXT, or a prompt on stdin when stdin is not a terminal, hermes answers
once and exits. -q TEXT with piped input sends TEXT followed by the piped
content (up to 1 MiB); -q - reads the whole prompt from stdin.

Otherwise it starts an interactive chat. Enter sends (a paste is one
message), Shift+Enter, Alt+Enter or Ctrl+J inserts a new line, Up/Down walk
the prompt history ($HERMES_HOME/history), Ctrl+C clears the input, cancels
an answer, or quits on an empty input; Esc cancels an answer. Commands:
/new, /resume, /sessions, /model, /status, /compact, /clear, /help, /exit.

Every built-in tool is offered unless --tools restricts the set (--tools none,
or --tools '', for none). read_file, list_files, glob, grep and delegate run
without asking; write_file, edit_file and bash need permission: an
--allowed-tools rule ("edit_file", "bash(go test:*)"), a permission mode, or,
on a terminal, your answer to hermes's question. Without a terminal a call
no rule allows is denied and the model is told which rule would allow it.
bash runs as you, in the working directory, without hermes's credentials,
inside an OS sandbox (--sandbox, default workspace-write: writes only in the
work dir and a private TMPDIR, .git read-only, no network unless
--sandbox-network, credential stores and ~/.ssh unreadable).

Sessions are kept in $HERMES_HOME/sessions; --session ID (or -r ID)
continues one, -c the most recent. A session is used by one hermes process at a time.

JSON output: see https://github.com/hermes-agent/hermes/blob/main/docs/JSON.md`,
		Example: `  hermes chat -q "Explain WIF in one sentence"
  git diff | hermes chat --system "Review this diff"
  hermes chat -q "Summarise the failing tests" < test-output.txt
  hermes chat -q "What does this project do?"
  hermes chat -q "Summarise the README" --tools read_file,list_files
  hermes chat -q "Answer from the prompt alone" --tools none
  hermes chat -q "Fix the lint errors" \
    --permission-mode acceptEdits --allowed-tools 'bash(go vet:*) bash(golangci-lint run:*)'
  hermes chat --list-sessions`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.JSONAlias(cmd.Flags(), asJSON, &opts.Format); err != nil {
				return err
			}
			// Filled here: the root fills the global flags after NewCmd.
			opts.Resolve, opts.SecretPaths, opts.SecretEnv = f.Resolve, f.SecretPaths, f.SecretEnv
			opts.Verbose = f.Verbose
			opts.ToolFlags.Parsed(cmd.Flags())
			if cmd.Flags().Changed("system") && cmd.Flags().Changed("append-system-prompt") {
				return cmdutil.FlagErrorf("--system is --append-system-prompt: give one of them")
			}
			opts.StdinFd = f.IO.StdinFd()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Query, "query", "q", "", "answer this prompt once and exit")
	fl.StringVarP(&opts.Model, "model", "m", "", "model (default $HERMES_MODEL, else "+agent.DefaultModel+")")
	fl.StringVar(&opts.SystemPrompt, "system-prompt", "", "replace hermes's default system prompt with TEXT (or @FILE)")
	fl.StringVar(&opts.System, "append-system-prompt", "", "add TEXT (or @FILE) to the system prompt; kept with the session")
	fl.StringVar(&opts.System, "system", "", "the same as --append-system-prompt")
	fl.BoolVar(&opts.PrintSystemPrompt, "print-system-prompt", false, "print the system prompt that would be sent (and the instruction files used) and exit")
	fl.BoolVar(&opts.NoProjectInstructions, "no-project-instructions", false, "do not read AGENTS.md, CLAUDE.md and CLAUDE.local.md (e.g. for untrusted checkouts)")
	fl.IntVar(&opts.MaxTokens, "max-tokens", agent.DefaultMaxTokens, "maximum tokens per answer")
	fl.IntVar(&opts.MaxTurns, "max-turns", agent.DefaultMaxTurns, "maximum model calls per prompt when tools are used")
	fl.IntVar(&opts.CompactAt, "compact-at", agent.DefaultCompactAt, "compact older turns into a summary before a request passes this percent of the model's context window")
	fl.Float64Var(&opts.MaxBudgetUSD, "max-budget-usd", 0, "one-shot: stop after the model call that takes the answer's cost (list price) over this many US dollars, exit 1")
	fl.StringVar(&opts.Format, "format", "text", "output of a one-shot answer: text, json or stream-json")
	fl.BoolVar(&asJSON, "json", false, "print the one-shot answer as JSON (same as --format json)")
	opts.ToolFlags.Register(fl, true)
	mcp.Flags(fl, &opts.MCPConfig, &opts.StrictMCPConfig)
	fl.StringVar(&opts.Session, "session", "", "continue the session with this id")
	// Claude Code's habit: `claude -r ID`. (Its bare -r opens a picker;
	// here that is /resume inside the chat.)
	fl.StringVarP(&opts.Session, "resume", "r", "", "the same as --session (as in Claude Code); /resume in the chat picks one")
	cmd.MarkFlagsMutuallyExclusive("session", "resume")
	fl.BoolVarP(&opts.Continue, "continue", "c", false, "continue the most recent session")
	fl.BoolVar(&opts.ListSessions, "list-sessions", false, "list saved sessions and exit")
	fl.StringVar(&opts.Deliver, "deliver", "", "one-shot: also post the answer to telegram:CHAT_ID or slack:CHANNEL_ID (with TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN)")
	_ = cmd.RegisterFlagCompletionFunc("model", cmdutil.CompleteModels(f))
	_ = cmd.RegisterFlagCompletionFunc("session", completeSessions(f))
	_ = cmd.RegisterFlagCompletionFunc("resume", completeSessions(f))
	_ = cmd.RegisterFlagCompletionFunc("format", cmdutil.CompleteFixed("text", "json", "stream-json"))
	_ = cmd.RegisterFlagCompletionFunc("tools", cmdutil.CompleteFixed(append(slices.Clip(agent.KnownTools()), agent.ServerTools()...)...))
	_ = cmd.RegisterFlagCompletionFunc("permission-mode", cmdutil.CompleteFixed(permission.Modes()...))
	return cmd
}

func osInterrupts() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	return ch, func() { signal.Stop(ch) }
}

// Run runs `hermes chat` with opts.
func Run(ctx context.Context, opts *Options) error {
	if err := opts.check(); err != nil {
		return err
	}
	home, err := opts.HermesHome()
	if err != nil {
		return err
	}
	store := agent.NewStore(home)
	if opts.ListSessions {
		return listSessions(opts, store)
	}
	if err := opts.readPromptFiles(); err != nil {
		return err
	}
	if opts.PrintSystemPrompt {
		return opts.printSystemPrompt(home)
	}
	prompt, err := opts.prompt()
	if err != nil {
		return err
	}
	interactive := prompt == ""
	if interactive && opts.MaxBudgetUSD > 0 {
		return cmdutil.FlagErrorf("--max-budget-usd is for one-shot runs (-q TEXT or a prompt on stdin); /status shows an interactive chat's cost")
	}
	if interactive && opts.Deliver != "" {
		return cmdutil.FlagErrorf("--deliver needs a prompt: pass -q TEXT or pipe one on stdin")
	}
	if interactive && opts.Format != "text" {
		return cmdutil.FlagErrorf("--format %s needs a prompt: pass -q TEXT or pipe one on stdin", opts.Format)
	}
	conv, lock, err := opts.conversation(store)
	if err != nil {
		return err
	}
	s := newChatSession(opts, store, conv, lock)
	defer s.Release()
	// Resolve once and keep the runtime: its transport asks the token
	// source per request, so a long chat never holds an expired token.
	rt, err := opts.Resolve(ctx)
	if nc := (*resolve.NoCredentialError)(nil); errors.As(err, &nc) && interactive && opts.IO.CanPrompt() && opts.AddCredential != nil {
		// On a terminal, one line and the menu instead of the full
		// explanation (which non-terminals and `auth status` still give).
		fmt.Fprintln(opts.IO.ErrOut, "No Anthropic credential found (`hermes auth status` shows what was checked). Add one now:")
		if err := opts.AddCredential(ctx); err != nil {
			return err
		}
		rt, err = opts.Resolve(ctx)
	}
	if err != nil {
		return err
	}
	cfg := opts.agentConfig()
	// The file tools never hand the model a credential: HERMES_HOME, the
	// SDK's config directory and the identity-token files are refused even
	// when chat runs from $HOME.
	if opts.SecretPaths != nil {
		cfg.Protected = opts.SecretPaths()
	}
	if opts.SecretEnv != nil {
		cfg.ProtectedEnv = opts.SecretEnv()
	}
	if err := s.permissions(&cfg, home, interactive); err != nil {
		return err
	}
	sp, err := opts.systemPrompt(&cfg, home)
	if err != nil {
		return err
	}
	for _, f := range sp.Files {
		s.Instructions = append(s.Instructions, f.Path)
	}
	useTUI := interactive && s.opts.IO.IsStdoutTTY() && s.opts.StdinFd >= 0 && term.IsTerminal(s.opts.StdinFd)
	servers, notices, flushMCP, err := opts.openMCP(ctx, &cfg, home, useTUI)
	if err != nil {
		return err
	}
	defer servers.Close()
	defer flushMCP()
	if servers != nil {
		s.MCPServers = func() []chatcore.MCPServer { return mcpStatus(servers) }
	}
	if useTUI && cfg.Approver != nil {
		// The terminal UI asks in a dialog: it owns stdin.
		s.approver = tui.NewApprover()
		cfg.Approver = s.approver
	}
	a, err := agent.New(rt, cfg)
	if err != nil {
		return err
	}
	s.Runtime, s.Agent = rt, a
	telemetry.CountSession(ctx, "chat")
	// A deprecated model is warned about once per run, as the SDKs do.
	models.WarnDeprecated(opts.IO.ErrOut, s.Model(), opts.Now())
	if interactive {
		if useTUI {
			return s.runTUI(ctx, home, notices)
		}
		return s.interactive(ctx)
	}
	if err := s.oneShot(ctx, prompt); err != nil || opts.Deliver == "" {
		return err
	}
	return bot.Deliver(ctx, opts.Getenv, opts.Deliver, s.answer)
}

// maxPromptFile bounds a --system-prompt or --append-system-prompt @FILE.
const maxPromptFile = 256 << 10

// readPromptFiles replaces an @FILE value of the system prompt flags with
// the file's text.
func (o *Options) readPromptFiles() error {
	for _, f := range []struct {
		name string
		v    *string
	}{{"--system-prompt", &o.SystemPrompt}, {"--append-system-prompt", &o.System}} {
		path, ok := strings.CutPrefix(*f.v, "@")
		if !ok {
			continue
		}
		data, err := fsutil.ReadFileLimited(path, maxPromptFile)
		if err != nil {
			return cmdutil.FlagErrorf("%s @%s: %v", f.name, path, err)
		}
		*f.v = strings.TrimSpace(string(data))
	}
	return nil
}

// systemPrompt fills cfg.System: hermes's default text (or
// --system-prompt) and the project instructions, for the tools cfg
// offers in its permission mode. Warnings (a file cut or refused) go to
// stderr; with verbose, the files used too.
func (o *Options) systemPrompt(cfg *agent.Config, home string) (*sysprompt.Prompt, error) {
	p, err := o.buildSystemPrompt(cfg, home)
	if err != nil {
		return nil, err
	}
	cfg.System = p.Blocks
	offered, _ := agent.OfferedTools(*cfg)
	for _, t := range cfg.Tools {
		if slices.Contains(agent.ServerTools(), t) && !slices.Contains(offered, t) {
			fmt.Fprintf(o.IO.ErrOut, "hermes: warning: %s is not offered: the API runs it, so hermes cannot ask you first; allow it with --allowed-tools %s (web_fetch also takes %s(domain:HOST))\n", t, t, agent.ToolWebFetch)
		}
	}
	for _, w := range p.Warnings {
		fmt.Fprintln(o.IO.ErrOut, "hermes: warning: "+w)
	}
	if o.Verbose {
		fmt.Fprintln(o.IO.ErrOut, "hermes: "+instructionsLine(p.Files))
	}
	return p, nil
}

func (o *Options) buildSystemPrompt(cfg *agent.Config, home string) (*sysprompt.Prompt, error) {
	wd := cfg.WorkDir
	if wd == "" {
		var err error
		if wd, err = os.Getwd(); err != nil {
			return nil, fmt.Errorf("working directory: %w", err)
		}
	}
	tools, err := agent.OfferedTools(*cfg)
	if err != nil {
		return nil, err
	}
	var protected []string
	if o.SecretPaths != nil {
		protected = o.SecretPaths()
	}
	return sysprompt.Build(sysprompt.Options{
		WorkDir: wd, Home: home, Tools: tools, PermissionMode: cfg.PermissionMode, Sandbox: string(cfg.Sandbox.Mode),
		Now: o.Now(), Replace: o.SystemPrompt, NoProjectInstructions: o.NoProjectInstructions,
		Protected: protected,
	}), nil
}

// instructionsLine names the instruction files used, for --verbose and
// --print-system-prompt.
func instructionsLine(files []sysprompt.File) string {
	if len(files) == 0 {
		return "project instructions: none"
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Path
		if f.Cut {
			names[i] += " (cut)"
		}
	}
	return "project instructions: " + strings.Join(names, ", ")
}

// printSystemPrompt is --print-system-prompt: the system prompt the
// flags and work dir give, on stdout, and the files used on stderr. No
// credential is needed and no session is touched.
func (o *Options) printSystemPrompt(home string) error {
	cfg := o.agentConfig()
	if err := o.resolvePolicy(&cfg, home); err != nil {
		return err
	}
	p, err := o.buildSystemPrompt(&cfg, home)
	if err != nil {
		return err
	}
	for _, w := range p.Warnings {
		fmt.Fprintln(o.IO.ErrOut, "hermes: warning: "+w)
	}
	fmt.Fprintln(o.IO.ErrOut, "hermes: "+instructionsLine(p.Files))
	_, err = fmt.Fprintln(o.IO.Out, sysprompt.Text(agent.SystemBlocks(p.Blocks, o.System)))
	return err
}

func (o *Options) check() error {
	if !slices.Contains([]string{"text", "json", "stream-json"}, o.Format) {
		return cmdutil.FlagErrorf("invalid --format %q: use text, json or stream-json", o.Format)
	}
	if err := o.ToolFlags.Check(); err != nil {
		return err
	}
	if err := mcp.CheckFlags(o.MCPConfig); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	if err := mcp.CheckToolTimeout(o.Getenv); err != nil {
		return err
	}
	if o.MaxTokens <= 0 || o.MaxTurns <= 0 {
		return cmdutil.FlagErrorf("--max-tokens and --max-turns must be positive")
	}
	if o.CompactAt < 10 || o.CompactAt > 100 {
		return cmdutil.FlagErrorf("--compact-at %d: give a percent of the context window between 10 and 100 (default %d)", o.CompactAt, agent.DefaultCompactAt)
	}
	if o.Deliver != "" {
		if _, _, err := bot.ParseTarget(o.Deliver); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if o.MaxBudgetUSD < 0 {
		return cmdutil.FlagErrorf("--max-budget-usd must be a positive amount in US dollars, like 0.50")
	}
	if o.Session != "" {
		if o.Continue {
			return cmdutil.FlagErrorf("--session and --continue cannot be used together")
		}
		if err := agent.CheckID(o.Session); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	return nil
}

// prompt is the one-shot prompt; "" means interactive. As `claude -p`
// does: -q TEXT with a non-terminal stdin sends TEXT, a blank line, then
// what was piped (`hermes chat -q "Summarise" < log.txt`); -q - or no -q
// with a non-terminal stdin reads the prompt from stdin alone.
func (o *Options) prompt() (string, error) {
	if o.Query != "" && o.Query != "-" {
		if o.IO.IsStdinTTY() {
			return o.Query, nil
		}
		piped, err := o.readStdin()
		if err != nil {
			return "", err
		}
		if piped == "" {
			return o.Query, nil
		}
		return o.Query + "\n\n" + piped, nil
	}
	if o.Query == "" && o.IO.IsStdinTTY() {
		return "", nil
	}
	p, err := o.readStdin()
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", cmdutil.FlagErrorf("no prompt: pass -q TEXT, pipe a prompt on stdin, or run on a terminal for an interactive chat")
	}
	return p, nil
}

// readStdin reads all of stdin, trimmed, refusing more than
// maxStdinPrompt bytes rather than sending a silently cut file.
func (o *Options) readStdin() (string, error) {
	data, err := io.ReadAll(io.LimitReader(o.IO.In, maxStdinPrompt+1))
	if err != nil {
		return "", fmt.Errorf("read the prompt from stdin: %w", err)
	}
	if len(data) > maxStdinPrompt {
		return "", cmdutil.FlagErrorf("stdin is larger than %d bytes (1 MiB), the most hermes sends as a prompt: pipe less, e.g. `tail -c 900000 FILE | hermes chat -q ...`", maxStdinPrompt)
	}
	return strings.TrimSpace(string(data)), nil
}

// conversation is the resumed session or a new one, with its lock held
// (one process at a time per session); -m and --system given on the
// command line override a resumed session's.
func (o *Options) conversation(store *agent.Store) (*agent.Conversation, *agent.SessionLock, error) {
	id := o.Session
	if o.Continue {
		list, err := store.List()
		if err != nil {
			return nil, nil, err
		}
		var corrupt []agent.SessionInfo // newer than the one continued
		for _, s := range list {
			if s.Err == "" {
				id = s.ID
				break
			}
			corrupt = append(corrupt, s)
		}
		if id != "" {
			// Say so: continuing an older session silently looks like
			// the newest one lost its messages.
			for _, s := range corrupt {
				fmt.Fprintf(o.IO.ErrOut, "hermes: the newer session %s cannot be read (%s): %s; continuing session %s instead\n",
					s.ID, filepath.Join(store.Dir, s.ID+".json"), s.Err, id)
			}
		}
		if id == "" {
			return nil, nil, fmt.Errorf("no session to continue in %s: start one with `hermes chat`", store.Dir)
		}
	}
	var conv *agent.Conversation
	var lock *agent.SessionLock
	var err error
	if id != "" {
		conv, lock, err = store.Open(id)
	} else {
		conv, lock, err = chatcore.NewConversation(store, o.Now())
	}
	if err != nil {
		return nil, nil, err
	}
	if o.Model != "" {
		conv.Model = o.Model
	}
	if o.System != "" {
		conv.System = o.System
	}
	return conv, lock, nil
}

func (o *Options) agentConfig() agent.Config {
	model := o.Model
	if model == "" {
		model = o.Getenv("HERMES_MODEL")
	}
	cfg := agent.Config{
		Model:     model,
		MaxTokens: o.MaxTokens,
		MaxTurns:  o.MaxTurns,
		Tools:     o.Offered(),
		CompactAt: o.CompactAt,
	}
	if o.MaxBudgetUSD > 0 {
		cfg.Budget = &agent.Budget{MaxUSD: o.MaxBudgetUSD}
	}
	return cfg
}

func listSessions(o *Options, store *agent.Store) error {
	list, err := store.List()
	if err != nil {
		return err
	}
	if o.Format != "text" {
		if list == nil {
			list = []agent.SessionInfo{}
		}
		return cmdutil.WriteJSON(o.IO.Out, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(o.IO.ErrOut, "No saved sessions. Start one with `hermes chat`.")
		return nil
	}
	tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUPDATED\tMODEL\tMESSAGES\tTITLE")
	for _, s := range list {
		title := s.Title
		if s.Err != "" {
			title = "(unreadable: " + s.Err + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", s.ID, s.Updated.Local().Format("2006-01-02 15:04"), s.Model, s.Messages, title)
	}
	return tw.Flush()
}

// chatSession is one run of the command: the session controller (the
// runtime, agent and conversation being continued) and the options.
type chatSession struct {
	*chatcore.Session
	opts *Options
	// approver asks for tool permissions in the terminal UI; nil otherwise.
	approver *tui.Approver
	// answer is the last answer's text (for --deliver).
	answer string
}

// newChatSession is the run's session on conv (whose lock it holds); Run
// fills the agent, runtime and instruction files once resolved.
func newChatSession(opts *Options, store *agent.Store, conv *agent.Conversation, lock *agent.SessionLock) *chatSession {
	cfg := chatcore.Config{Store: store, Now: opts.Now, Getenv: opts.Getenv, Model: opts.agentConfig().Model, System: opts.System}
	return &chatSession{Session: chatcore.New(cfg, conv, lock), opts: opts}
}

// send runs one prompt through the session and keeps the answer's text
// for --deliver.
func (s *chatSession) send(ctx context.Context, prompt string, onEvent func(agent.Event)) (*agent.Result, error) {
	res, err := s.Send(ctx, prompt, onEvent)
	if err == nil && res != nil {
		s.answer = res.Text
	}
	return res, err
}

// result is the JSON shape of a one-shot answer.
type result struct {
	Type       string      `json:"type,omitempty"`
	Text       string      `json:"text"`
	Model      string      `json:"model"`
	StopReason string      `json:"stop_reason"`
	Usage      agent.Usage `json:"usage"`
	// TotalCostUSD is the answer's cost (sub-agents included) by the
	// price table in internal/models; absent for a model it has no
	// price for.
	TotalCostUSD *float64 `json:"total_cost_usd,omitempty"`
	SessionID    string   `json:"session_id"`
	Turns        int      `json:"turns"`
	// ToolCalls lists the tools run (json format), denials included.
	ToolCalls []toolCall `json:"tool_calls,omitempty"`
}

// toolCall is one tool call in --format json output.
type toolCall struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Input   json.RawMessage `json:"input,omitempty"`
	IsError bool            `json:"is_error,omitempty"`
	Denied  bool            `json:"denied,omitempty"`
	Output  string          `json:"output"`
	Depth   int             `json:"depth,omitempty"`
}

// toolCalls collects tool calls from events, in the order they finish.
type toolCalls struct {
	inputs map[string]json.RawMessage
	calls  []toolCall
}

func (c *toolCalls) event(e agent.Event) {
	switch e.Type {
	case "tool_use":
		if c.inputs == nil {
			c.inputs = map[string]json.RawMessage{}
		}
		c.inputs[e.ToolID] = e.Input
	case "tool_result":
		c.calls = append(c.calls, toolCall{ID: e.ToolID, Name: e.Tool, Input: c.inputs[e.ToolID], IsError: e.IsError, Denied: e.Denied, Output: e.Output, Depth: e.Depth})
	}
}

func (s *chatSession) oneShot(ctx context.Context, prompt string) error {
	out := s.opts.IO.Out
	switch s.opts.Format {
	case "json":
		var calls toolCalls
		res, err := s.send(ctx, prompt, calls.event)
		if res == nil {
			return err
		}
		r := s.result(res, "")
		r.ToolCalls = calls.calls
		if eerr := json.NewEncoder(out).Encode(r); err == nil {
			err = eerr
		}
		return err // a budget stop: the partial answer above, exit 1
	case "stream-json":
		enc := json.NewEncoder(out)
		res, err := s.send(ctx, prompt, func(e agent.Event) { enc.Encode(e) })
		if res == nil {
			return err
		}
		if eerr := enc.Encode(s.result(res, "result")); err == nil {
			err = eerr
		}
		return err
	}
	tw := s.newTextWriter(out, s.opts.IO.IsStdoutTTY())
	_, err := s.send(ctx, prompt, tw.event)
	tw.finish()
	return err
}

func (s *chatSession) result(res *agent.Result, typ string) result {
	return result{Type: typ, Text: res.Text, Model: res.Model, StopReason: res.StopReason, Usage: res.Usage, TotalCostUSD: res.TotalCostUSD(), SessionID: s.Conversation().ID, Turns: res.Turns}
}

// textWriter prints a streamed answer: the top agent's text to out
// (rendered when out is a terminal), tool activity to stderr.
type textWriter struct {
	raw      io.Writer // the stream itself
	out      io.Writer // raw, or a Markdown renderer on it
	md       *markdown.Writer
	term     *termtext.SGRWriter // under md on a terminal
	errOut   io.Writer
	showTool bool
	// showUsage prints each API call's usage (--verbose).
	showUsage bool
	inputs    map[string]string // tool call id → its summary
	last      byte              // last byte of text written; 0 before any
	// before runs once before the first output (stops a spinner).
	before func()
}

func (s *chatSession) newTextWriter(out io.Writer, render bool) *textWriter {
	tw := &textWriter{raw: out, out: out, errOut: s.opts.IO.ErrOut, showTool: s.opts.Verbose || s.opts.IO.IsStderrTTY(), showUsage: s.opts.Verbose}
	if render {
		// The answer is the model's text: on a terminal only its colour
		// passes, never a clipboard write, screen clear or title change.
		tw.term = termtext.NewSGRWriter(out)
		tw.md = markdown.NewWriter(tw.term)
		tw.out = tw.md
	}
	if s.opts.IO.IsStderrTTY() {
		tw.errOut = sgrOnly{tw.errOut}
	}
	return tw
}

func (t *textWriter) event(e agent.Event) {
	switch {
	case e.Type == "text" && e.Depth == 0:
		t.started()
		io.WriteString(t.out, e.Text)
		t.last = e.Text[len(e.Text)-1]
	case e.Type == "tool_use":
		if t.showTool {
			t.started()
		}
		if t.inputs == nil {
			t.inputs = map[string]string{}
		}
		t.inputs[e.ToolID] = agent.ToolSummary(e.Tool, e.Input)
	case e.Type == "tool_result" && (t.showTool || e.Denied):
		// Denials are shown even without a terminal (CI logs): the
		// user must learn which rule would have allowed the call.
		t.started()
		t.endLine()
		mark := "✓"
		if e.IsError || e.Denied {
			mark = "✗"
		}
		fmt.Fprintf(t.errOut, "%s%s %s %s · %s\n", strings.Repeat("  ", e.Depth), mark, e.Tool, t.inputs[e.ToolID], agent.ResultSummary(e))
	case e.Type == "compact" && e.Depth == 0:
		t.endLine()
		fmt.Fprintf(t.errOut, "(%s)\n", e.Text)
	case e.Type == "message_stop" && t.showUsage && e.Usage != nil:
		t.endLine()
		fmt.Fprintf(t.errOut, "%s· usage: %s\n", strings.Repeat("  ", e.Depth), agent.UsageSummary(*e.Usage))
	}
}

func (t *textWriter) started() {
	if t.before != nil {
		t.before()
		t.before = nil
	}
}

// endLine renders what is buffered and ends a partial line, so the next
// output (a tool note, an error, the prompt) starts on its own line.
func (t *textWriter) endLine() {
	if t.md != nil {
		t.md.Flush()
		t.term.Flush()
	}
	if t.last != 0 && t.last != '\n' {
		io.WriteString(t.raw, "\n")
	}
	t.last = 0
}

// finish ends the answer.
func (t *textWriter) finish() {
	t.started()
	t.endLine()
}

// sgrOnly writes KeepSGR of each (whole-line) write: tool lines quote
// the model's input.
type sgrOnly struct{ w io.Writer }

func (s sgrOnly) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, termtext.KeepSGR(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// resolvePolicy fills cfg's permission mode, rules and sandbox from the
// flags and the settings files (HERMES_HOME's and the work dir's).
func (o *Options) resolvePolicy(cfg *agent.Config, home string) error {
	return o.ToolFlags.Apply(cfg, home)
}

// permissions fills cfg's permission settings from the flags and the
// settings files, warns once about bypassPermissions, and, on a terminal
// (text output, stdin and stderr terminals), sets an Approver that asks.
func (s *chatSession) permissions(cfg *agent.Config, home string, interactive bool) error {
	o := s.opts
	if err := o.resolvePolicy(cfg, home); err != nil {
		return err
	}
	if cfg.PermissionMode == permission.ModeBypassPermissions && hasRiskyTool(o.Offered()) {
		fmt.Fprintln(o.IO.ErrOut, permission.BypassWarning)
	}
	if w := cfg.Sandbox.Warning(); w != "" && slices.Contains(o.Offered(), agent.ToolBash) {
		fmt.Fprintln(o.IO.ErrOut, w)
	}
	if o.IO.CanPrompt() && (interactive || o.Format == "text") {
		cfg.Approver = NewTerminalApprover(prompt.New(o.IO), o.IO.ErrOut)
	}
	return nil
}

func hasRiskyTool(tools []string) bool {
	for _, t := range tools {
		if !permission.ReadOnly(strings.TrimSpace(t)) {
			return true
		}
	}
	return false
}
