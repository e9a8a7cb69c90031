// Package root assembles the hermes command tree and maps errors to exit codes.
package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	acpcmd "github.com/hermes-agent/hermes/internal/cli/acp"
	"github.com/hermes-agent/hermes/internal/cli/auth"
	"github.com/hermes-agent/hermes/internal/cli/auth/add"
	authshared "github.com/hermes-agent/hermes/internal/cli/auth/shared"
	botcmd "github.com/hermes-agent/hermes/internal/cli/bot"
	"github.com/hermes-agent/hermes/internal/cli/chat"
	"github.com/hermes-agent/hermes/internal/cli/cron"
	"github.com/hermes-agent/hermes/internal/cli/demo"
	execcmd "github.com/hermes-agent/hermes/internal/cli/exec"
	"github.com/hermes-agent/hermes/internal/cli/factory"
	"github.com/hermes-agent/hermes/internal/cli/gateway"
	mcpcmd "github.com/hermes-agent/hermes/internal/cli/mcp"
	modelscmd "github.com/hermes-agent/hermes/internal/cli/models"
	"github.com/hermes-agent/hermes/internal/cli/version"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/sandbox"
	"github.com/hermes-agent/hermes/internal/secret"
	"github.com/hermes-agent/hermes/internal/telemetry"
	"github.com/hermes-agent/hermes/internal/termtext"
)

// NewCmd builds the root command around f.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hermes",
		Short: "A command-line agent for Claude with first-class Workload Identity Federation",
		Long: `hermes talks to Claude with an API key, an OAuth login or Workload Identity
Federation (short-lived OIDC tokens from GitHub Actions, Kubernetes, GCP, AWS,
Azure or any OIDC issuer: no static key), and brokers those credentials to any
other tool (hermes gateway, hermes exec, hermes auth token).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       cmdutil.BuildVersion(),
	}
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetIn(f.IO.In)
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.BaseURL, "base-url", "", "Anthropic API base URL (else ANTHROPIC_BASE_URL, else the credential's own, else https://api.anthropic.com)")
	pf.StringVar(&f.Credential, "credential", "", "use this credential: a pool entry (number, id, label), anthropic-wif, env:VAR or profile:NAME")
	_ = cmd.RegisterFlagCompletionFunc("credential", authshared.CompleteCredential(f))
	pf.BoolVar(&f.Verbose, "verbose", false, "log what hermes does to stderr (never secrets)")

	// An invalid HERMES_HTTP_TIMEOUT is a usage error before any command
	// that may reach a server starts, not a default silently used instead.
	cmd.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		if offline(c) {
			return nil
		}
		return credential.CheckHTTPTimeout(f.Getenv)
	}

	// Wrong flags are usage errors (exit 2), with a pointer to --help.
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		//lint:ignore ST1005 the usage hint is a sentence the user reads last
		return &cmdutil.FlagError{Err: fmt.Errorf("%w\nRun '%s --help' for usage.", err, c.CommandPath())}
	})

	newResolver := func() *resolve.Resolver { return factory.Resolver(f) }
	wire(f, newResolver)
	cmd.AddCommand(
		auth.NewCmd(f, newResolver),
		chat.NewCmd(f),
		gateway.NewCmd(f),
		execcmd.NewCmd(f),
		modelscmd.NewCmd(f),
		cron.NewCmd(f),
		demo.NewCmd(f),
		version.NewCmd(f),
		acpcmd.NewCmd(f),
		mcpcmd.NewCmd(f),
		botcmd.NewCmd(f),
	)
	cmdutil.ArgsAsFlagErrors(cmd)
	return cmd
}

// wire hands commands what other commands offer, through the Factory:
// commands import cmdutil, never each other.
func wire(f *cmdutil.Factory, newResolver func() *resolve.Resolver) {
	f.CompleteModel = modelscmd.CompleteModels(f, factory.ResolveQuietly(f))
	f.AddCredential = func(ctx context.Context) error {
		cmd := add.NewCmd(f, newResolver)
		cmd.SetArgs([]string{"anthropic"})
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		return cmd.ExecuteContext(ctx)
	}
}

// offline reports whether c never makes an HTTP request, so
// HERMES_HTTP_TIMEOUT is not its to refuse: a group that only shows its
// help (`gateway` has subcommands but runs the gateway itself), a command marked with cmdutil.MarkOffline, or one of cobra's
// own (help, completion and the shell's __complete requests, which must
// always work). Every other command, and any new one, checks it.
func offline(c *cobra.Command) bool {
	if cmdutil.IsGroup(c) || cmdutil.IsOffline(c) {
		return true
	}
	for ; c.HasParent(); c = c.Parent() {
		if !c.Parent().HasParent() && cobraOwn[c.Name()] {
			return true
		}
	}
	return false
}

// cobraOwn are the commands cobra adds to the root itself.
var cobraOwn = map[string]bool{
	"help": true, "completion": true,
	cobra.ShellCompRequestCmd: true, cobra.ShellCompNoDescRequestCmd: true,
}

// interrupted is the error of a command the user interrupted: just
// "interrupted" (exit 130) when err is only the cancellation showing
// through (Go's "context canceled", however deeply wrapped or flattened),
// else "interrupted: " and what else went wrong.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) || strings.Contains(err.Error(), context.Canceled.Error()) {
		return cmdutil.ErrCancel
	}
	if errors.Is(err, cmdutil.ErrCancel) {
		return err
	}
	return fmt.Errorf("%w: %v", cmdutil.ErrCancel, err)
}

// Main runs hermes with args and returns the process exit code.
func Main(args []string) int {
	// The sandbox helper (hermes re-executed to run one bash command)
	// comes first: before cobra, before any other set-up.
	if len(args) > 0 && args[0] == sandbox.HelperArg {
		return sandbox.Helper(args[1:])
	}
	// No child (bash, exec's command, an MCP server) may read hermes's
	// /proc/<pid>/environ or memory, where credentials live.
	if err := undumpable(); err != nil {
		fmt.Fprintf(os.Stderr, "hermes: cannot protect this process's memory and environment from its children: %v\n", err)
		return cmdutil.ExitError
	}
	f := factory.New()
	// SIGTERM (a service manager, a CI runner cancelling a job, kill) is
	// an interrupt like Ctrl-C: the command winds down instead of the
	// process dying in the middle of a credential write.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Telemetry (off unless HERMES_ENABLE_TELEMETRY=1) is built before
	// the command and flushed after it, within a bound: a dead collector
	// never holds the command.
	telemetry.Start(f.Getenv, f.IO.ErrOut)
	code := Run(ctx, f, args)
	finishSpends(f)
	telemetry.Shutdown(telemetry.FlushBound)
	return code
}

// finishSpends waits, before the process exits, for an OAuth refresh or a
// WIF exchange already sent (its single-use token is spent): its answer
// must be saved, or the login or identity token is lost. Signals stay
// caught meanwhile (stop runs after), so a second Ctrl-C does not cut it.
func finishSpends(f *cmdutil.Factory) {
	if !credential.Spending() {
		return
	}
	fmt.Fprintln(f.IO.ErrOut, "hermes: saving the answer of a credential request already sent (its token is single-use)…")
	if !credential.WaitSpends(credential.SpendBound) {
		fmt.Fprintf(f.IO.ErrOut, "hermes: a credential request sent did not finish within %s; its answer is lost\n", credential.SpendBound)
	}
}

// Run executes the command tree; tests call it with a test factory.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	cmd := NewCmd(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	// An exact exit code (hermes exec's child's) survives an interrupt.
	var exact *cmdutil.ExitCodeError
	if ctx.Err() != nil && !errors.As(err, &exact) {
		err = interrupted(err)
	}
	code := cmdutil.ExitCode(err)
	var silent *cmdutil.ExitCodeError
	if !(errors.As(err, &silent) && silent.Silent) {
		// The last line of defence: an error quoting outside text never
		// shows a value in play or anything key- or JWT-shaped.
		// Errors quote servers and files: no escape sequence but colour.
		fmt.Fprintf(f.IO.ErrOut, "hermes: %s\n", termtext.KeepSGR(secret.RedactShapes(err.Error())))
	}
	return code
}
