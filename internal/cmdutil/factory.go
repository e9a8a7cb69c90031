package cmdutil

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/secret"
)

// Version is set at build time with -ldflags "-X .../cmdutil.Version=...".
// Unset, BuildVersion reads the binary's own build information instead.
var Version = ""

// Factory hands every command what it needs from the outside world, so a
// command's run function can be tested without a process or terminal.
type Factory struct {
	IO *iostreams.IOStreams

	// Getenv reads the environment; tests inject a map.
	Getenv func(string) string
	// Environ lists the environment (for exec's child).
	Environ func() []string
	// Now is the clock.
	Now func() time.Time

	// Global flags, filled in by the root command before any RunE.
	BaseURL    string
	Credential string
	Verbose    bool

	// Sources is what this process shares between credential resolutions
	// (one token source per WIF configuration, notices given once).
	Sources *credential.Sources
	// Resolve resolves the credential. Every path (chat, gateway, exec,
	// cron, sub-agents) calls it; unit tests may replace it with a static
	// runtime. factory.New wires it to the resolver
	// (internal/credential/resolve); cmdutil does not import the resolver,
	// so commands that only need a runtime link neither auth.json nor the
	// identity-token code.
	Resolve func(ctx context.Context) (*credential.Runtime, error)
	// SecretPaths lists the credential stores the agent's file tools must
	// never touch (agent.Config.Protected); wired by factory.New.
	SecretPaths func() []string
	// SecretEnv lists the variables beyond credential.CredentialVars that
	// the configuration reads a credential from (--credential env:VAR, an
	// identity-token variable): children never inherit them. Wired by
	// factory.New; nil means none.
	SecretEnv func() []string

	// Behaviour one command offers another, wired by the root (commands
	// import cmdutil, never each other); nil means not offered.

	// CompleteModel completes a model id from the API: `hermes models`
	// owns the list; chat, cron and acp complete --model with it
	// (CompleteModels).
	CompleteModel cobra.CompletionFunc
	// AddCredential runs the interactive `hermes auth add`: chat offers it
	// when an interactive chat on a terminal finds no credential at all.
	AddCredential func(ctx context.Context) error
}

// New returns a factory bound to the real process, without its credential
// layer: internal/cli/factory.New adds Resolve and SecretPaths.
func New() *Factory {
	return &Factory{
		IO:      iostreams.System(),
		Getenv:  os.Getenv,
		Environ: os.Environ,
		Now:     time.Now,
		Sources: credential.NewSources(),
	}
}

// HermesHome is $HERMES_HOME, else ~/.hermes. It is not created here.
func (f *Factory) HermesHome() (string, error) {
	if h := f.Getenv("HERMES_HOME"); h != "" {
		return filepath.Abs(h)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the home directory for ~/.hermes (set HERMES_HOME): %w", err)
	}
	return filepath.Join(home, ".hermes"), nil
}

// Logger logs to stderr: debug level with --verbose, warnings otherwise.
// Nothing logged may contain a secret.
func (f *Factory) Logger() *slog.Logger {
	level := slog.LevelWarn
	if f.Verbose {
		level = slog.LevelDebug
	}
	var w io.Writer = f.IO.ErrOut
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: redactAttr}))
}

// redactAttr masks values in play and key- or JWT-shaped strings in every
// logged string or error.
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(secret.RedactShapes(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			a.Value = slog.StringValue(secret.RedactShapes(err.Error()))
		}
	}
	return a
}
