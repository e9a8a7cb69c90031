package cmdutil

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// Version is set at build time with -ldflags "-X .../cmdutil.Version=...".
var Version = "0.1.0-dev"

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

	// NewResolver builds the one credential resolver every path uses.
	NewResolver func() *resolve.Resolver
	// Resolve resolves the credential through NewResolver. Every path
	// (chat, gateway, exec, cron, sub-agents) calls it; unit tests may
	// replace it with a static runtime.
	Resolve func(ctx context.Context) (*credential.Runtime, error)
}

// New returns a factory bound to the real process.
func New() *Factory {
	f := &Factory{
		IO:      iostreams.System(),
		Getenv:  os.Getenv,
		Environ: os.Environ,
		Now:     time.Now,
	}
	f.NewResolver = f.defaultResolver
	f.Resolve = func(ctx context.Context) (*credential.Runtime, error) {
		return f.NewResolver().Resolve(ctx)
	}
	return f
}

func (f *Factory) defaultResolver() *resolve.Resolver {
	home, _ := f.HermesHome()
	return &resolve.Resolver{
		Home:       home,
		Getenv:     f.Getenv,
		Stderr:     f.IO.ErrOut,
		BaseURL:    f.BaseURL,
		Credential: f.Credential,
		Now:        f.Now,
		UserAgent:  "hermes/" + Version,
		Logger:     f.Logger(),
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
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
