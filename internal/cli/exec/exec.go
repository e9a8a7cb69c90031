// Package exec implements `hermes exec`: run a command with short-lived
// Anthropic credentials in its environment.
package exec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	osexec "os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/gateway"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/termtext"
)

// Options are the command's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Resolve func(context.Context) (*credential.Runtime, error)
	Environ func() []string
	Now     func() time.Time
	Logger  *slog.Logger

	Direct bool
	Args   []string // the command and its arguments
	// KeepEnv names credential variables passed to CMD on purpose.
	KeepEnv []string
	// CredentialFlag is --credential (its env:VAR is stripped too).
	CredentialFlag string
	// SecretEnv lists this configuration's own credential variables
	// (--credential env:VAR, every WIF candidate's identity-token
	// variable), stripped too; the resolver knows them (Factory.SecretEnv).
	SecretEnv func() []string
}

// NewCmd returns the `hermes exec` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "exec [--direct] -- CMD [ARGS...]",
		Short: "Run a command with short-lived Anthropic credentials",
		Long: `Run CMD with ANTHROPIC_BASE_URL and ANTHROPIC_AUTH_TOKEN set.

By default they point at a private gateway on a loopback port that lives as long
as CMD, with a one-time key: CMD never holds an upstream token, and tokens are
refreshed for it however long it runs. With --direct, CMD gets a fresh upstream
credential instead (bearer as ANTHROPIC_AUTH_TOKEN, API key as ANTHROPIC_API_KEY),
which stops working when it expires.

CMD never inherits a variable that can yield an Anthropic credential:
` + "`" + `ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, ANTHROPIC_ADMIN_KEY,
CLAUDE_CODE_OAUTH_TOKEN, CLAUDE_CODE_OAUTH_REFRESH_TOKEN, ANTHROPIC_PROFILE,
ANTHROPIC_CONFIG_DIR, the SDK WIF variables (ANTHROPIC_FEDERATION_RULE_ID,
ANTHROPIC_ORGANIZATION_ID, ANTHROPIC_SERVICE_ACCOUNT_ID, ANTHROPIC_WORKSPACE_ID,
ANTHROPIC_IDENTITY_TOKEN_FILE, ANTHROPIC_IDENTITY_TOKEN),
ACTIONS_ID_TOKEN_REQUEST_TOKEN/_URL, HERMES_HOME` + "`" + `, the variable behind
--credential env:VAR and the stored WIF's --identity-token-env variable.
--keep-env VAR passes one back on purpose (with a warning). Signals are forwarded to CMD, and hermes exits with
CMD's exit code (128+N when a signal N killed it).`,
		Example: `  hermes exec -- claude
  hermes exec --credential anthropic-wif -- python agent.py
  hermes exec --direct -- curl -s "$ANTHROPIC_BASE_URL/v1/models"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("exec needs a command: hermes exec -- CMD ARGS")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			opts.Resolve = f.Resolve
			opts.Environ = f.Environ
			opts.Now = f.Now
			opts.Logger = f.Logger()
			opts.CredentialFlag = f.Credential
			opts.SecretEnv = f.SecretEnv
			return Run(cmd.Context(), opts)
		},
	}
	// Everything after CMD belongs to CMD, even without "--".
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().BoolVar(&opts.Direct, "direct", false, "give CMD a fresh upstream credential instead of a gateway (it expires)")
	cmd.Flags().StringArrayVar(&opts.KeepEnv, "keep-env", nil, "pass this credential variable to CMD anyway (repeatable; hermes warns)")
	return cmd
}

// Run resolves the credential, starts the gateway (unless Direct), runs
// the command and returns its exit status as an error.
func Run(ctx context.Context, opts *Options) error {
	rt, err := opts.Resolve(ctx)
	if err != nil {
		return err
	}
	env := childEnv(opts, environ(opts))
	if opts.Direct {
		vars, err := directEnv(ctx, opts, rt)
		if err != nil {
			return err
		}
		env = setEnv(env, vars)
	} else {
		vars, stop, err := startGateway(ctx, opts, rt)
		if err != nil {
			return err
		}
		defer stop()
		env = setEnv(env, vars)
	}
	return runChild(opts, env)
}

func environ(opts *Options) []string {
	if opts.Environ == nil {
		return os.Environ()
	}
	return opts.Environ()
}

// startGateway runs a gateway with a one-time key on an ephemeral loopback
// port. It lives until stop, independent of ctx: an interrupted child may
// still be finishing requests.
func startGateway(ctx context.Context, opts *Options, rt *credential.Runtime) (env []string, stop func(), err error) {
	key, err := gateway.NewKey()
	if err != nil {
		return nil, nil, err
	}
	g, err := gateway.New(gateway.Options{Runtime: rt, Key: key, Logger: opts.Logger})
	if err != nil {
		return nil, nil, err
	}
	ln, err := gateway.Listen("127.0.0.1:0", false)
	if err != nil {
		return nil, nil, err
	}
	gctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- gateway.Serve(gctx, ln, g, 5*time.Second, opts.Logger) }()
	if opts.Logger != nil {
		opts.Logger.Debug("exec: gateway for the command", "addr", ln.Addr().String(), "upstream", rt.BaseURL, "credential", rt.Source)
	}
	stop = func() {
		cancel()
		if err := <-done; err != nil && opts.Logger != nil {
			opts.Logger.Warn("exec: gateway shutdown", "err", err)
		}
	}
	return []string{
		"ANTHROPIC_BASE_URL=http://" + ln.Addr().String(),
		"ANTHROPIC_AUTH_TOKEN=" + key,
	}, stop, nil
}

// directEnv hands the child a fresh upstream credential and warns when it
// will stop working.
func directEnv(ctx context.Context, opts *Options, rt *credential.Runtime) ([]string, error) {
	tok, err := rt.Tokens.Token(ctx)
	if err != nil {
		return nil, err
	}
	env := []string{"ANTHROPIC_BASE_URL=" + rt.BaseURL}
	if rt.Mode == credential.ModeAPIKey {
		return append(env, "ANTHROPIC_API_KEY="+tok.Value), nil
	}
	env = append(env, "ANTHROPIC_AUTH_TOKEN="+tok.Value)
	// Bearer tokens need the OAuth beta; the SDKs and Claude Code add
	// ANTHROPIC_CUSTOM_HEADERS to every request.
	env = append(env, "ANTHROPIC_CUSTOM_HEADERS="+withBetaHeader(lookup(environ(opts), "ANTHROPIC_CUSTOM_HEADERS")))
	if !tok.Expiry.IsZero() {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		left := tok.Expiry.Sub(now()).Round(time.Second)
		fmt.Fprintf(opts.IO.ErrOut, "hermes exec: warning: the token given to %s expires at %s (in %s); requests after that get 401. Without --direct, hermes keeps it fresh through a gateway.\n",
			opts.Args[0], tok.Expiry.Local().Format(time.RFC3339), left)
	}
	return env, nil
}

// withBetaHeader merges oauth-2025-04-20 into the anthropic-beta line of
// an ANTHROPIC_CUSTOM_HEADERS value (one "Name: value" per line).
func withBetaHeader(custom string) string {
	var lines, betas []string
	for _, line := range strings.Split(custom, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "anthropic-beta") {
			betas = append(betas, value)
			continue
		}
		if strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(append(lines, "anthropic-beta: "+credential.MergeBeta(betas, credential.OAuthBeta)), "\n")
}

func lookup(environ []string, name string) string {
	v := ""
	for _, kv := range environ {
		if rest, ok := strings.CutPrefix(kv, name+"="); ok {
			v = rest // the last one wins, as in os/exec
		}
	}
	return v
}

// setEnv sets the variables in vars (NAME=value), replacing earlier ones.
func setEnv(env, vars []string) []string {
	for _, kv := range vars {
		name, _, _ := strings.Cut(kv, "=")
		out := env[:0]
		for _, e := range env {
			if !strings.HasPrefix(e, name+"=") {
				out = append(out, e)
			}
		}
		env = append(out, kv)
	}
	return env
}

// ChildEnv is environ without the variables a child must not inherit:
// every credential variable (credential.ScrubEnv; a child never holds an
// upstream credential), the extra ones named, and ANTHROPIC_BASE_URL
// (hermes sets its own).
func ChildEnv(environ []string, extra ...string) []string {
	return credential.ScrubEnv(environ, append(extra, "ANTHROPIC_BASE_URL")...)
}

// childEnv is ChildEnv with this run's extra variables (--credential
// env:VAR, the stored WIF's identity-token variable), and the --keep-env
// ones passed back with a warning.
func childEnv(opts *Options, environ []string) []string {
	var extra []string
	if name, ok := strings.CutPrefix(opts.CredentialFlag, "env:"); ok {
		extra = append(extra, name)
	}
	if opts.SecretEnv != nil {
		extra = append(extra, opts.SecretEnv()...)
	}
	env := ChildEnv(environ, extra...)
	for _, name := range opts.KeepEnv {
		kv, ok := lookupKV(environ, name)
		if !ok {
			fmt.Fprintf(opts.IO.ErrOut, "hermes exec: warning: --keep-env %s: not set, nothing passed\n", termtext.Clean(name))
			continue
		}
		if credential.CredentialEnv(name) || slices.Contains(extra, name) {
			fmt.Fprintf(opts.IO.ErrOut, "hermes exec: warning: passing %s to %s as you asked with --keep-env: it can yield an Anthropic credential, which the command can then use and keep\n", termtext.Clean(name), termtext.Clean(opts.Args[0]))
		}
		env = setEnv(env, []string{kv})
	}
	return env
}

func lookupKV(environ []string, name string) (string, bool) {
	kv, found := "", false
	for _, e := range environ {
		if strings.HasPrefix(e, name+"=") {
			kv, found = e, true
		}
	}
	return kv, found
}

// runChild runs the command with the streams and forwards signals. It
// returns nil for exit 0 and a silent ExitCodeError otherwise.
func runChild(opts *Options, env []string) error {
	cmd := osexec.Command(opts.Args[0], opts.Args[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.IO.In, opts.IO.Out, opts.IO.ErrOut
	if cmd.Stdin == nil {
		cmd.Stdin = strings.NewReader("")
	}

	// Ctrl-C and Ctrl-\ are always caught, forwarded or not: on a terminal
	// the kernel already gave them to the child, and hermes must outlive
	// it (the child may survive them and still need its gateway).
	forward := forwardedSignals(opts.IO)
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, append([]os.Signal{os.Interrupt, syscall.SIGQUIT}, forward...)...)
	defer signal.Stop(sigs)

	if err := startChild(cmd); err != nil {
		return startError(opts.Args[0], err)
	}
	waited := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				if slices.Contains(forward, s) {
					cmd.Process.Signal(s)
				}
			case <-waited:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(waited)
	return exitError(err)
}

// forwardedSignals are the signals passed on to the child. When a terminal
// is attached, the child is in the terminal's foreground process group and
// already gets Ctrl-C/Ctrl-\ from the kernel; forwarding those again would
// deliver them twice (many programs treat a second Ctrl-C as "quit now").
func forwardedSignals(ios *iostreams.IOStreams) []os.Signal {
	sigs := []os.Signal{syscall.SIGTERM, syscall.SIGHUP}
	sigs = append(sigs, extraSignals...)
	if ios == nil || !(ios.IsStdinTTY() || ios.IsStdoutTTY() || ios.IsStderrTTY()) {
		sigs = append(sigs, os.Interrupt, syscall.SIGQUIT)
	}
	return sigs
}

func startError(name string, err error) error {
	code := 126 // found but could not run, as shells report it
	if errors.Is(err, osexec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		code = 127
	}
	return &cmdutil.ExitCodeError{Code: code, Err: fmt.Errorf("exec %s: %w", name, err)}
}

// exitError maps the child's end to hermes's exit status: its code, or
// 128+N for a signal N, like a shell.
func exitError(err error) error {
	if err == nil {
		return nil
	}
	var ee *osexec.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	code := ee.ExitCode()
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	return &cmdutil.ExitCodeError{Code: code, Err: err, Silent: true}
}
