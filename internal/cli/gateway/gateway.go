// Package gateway implements `hermes gateway`: a local Anthropic-compatible
// endpoint that adds the resolved credential to every request.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"mvdan.cc/sh/v3/syntax"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	gw "github.com/hermes-agent/hermes/internal/gateway"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/secret"
	"github.com/hermes-agent/hermes/internal/termtext"
)

// DefaultListen is where the gateway listens without --listen.
const DefaultListen = "127.0.0.1:8787"

// Options are the command's inputs.
type Options struct {
	IO         *iostreams.IOStreams
	Resolve    func(context.Context) (*credential.Runtime, error)
	HermesHome func() (string, error)
	Logger     *slog.Logger

	Listen        string
	KeyFile       string
	AllowRemote   bool
	MaxBodyBytes  int64
	ShutdownGrace time.Duration
	LogFormat     string
	// ClientAuth and Limits: workload-identity clients (--client-*).
	ClientAuth gw.ClientAuth
	// IssuerTokenFiles are the raw --client-issuer-token-file values
	// ([ISSUER=]FILE), checked into ClientAuth.TokenFiles.
	IssuerTokenFiles []string
	Limits           gw.ClientLimits
	// Budgets: per-client spend budgets (--budgets, --client-budget-usd, --budget-store*).
	Budgets BudgetOptions

	// ready, when set, is called with the bound address (tests).
	ready func(addr string)
	// signals, when set, replaces SIGINT/SIGTERM (tests).
	signals <-chan os.Signal
}

// NewCmd returns the `hermes gateway` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IO, HermesHome: f.HermesHome}
	cmd := &cobra.Command{
		Use:   "gateway [--listen ADDR] [--key-file F] [--allow-remote]",
		Short: "Run a local Anthropic-compatible gateway that adds the resolved credential",
		Long: `Run a local Anthropic-compatible endpoint that adds the resolved credential
(refreshed as needed) to every /v1/... request.

Clients present the local gateway key as x-api-key or Authorization: Bearer.
The key is generated on first start and kept, mode 0600, in HERMES_HOME/gateway.key
(or --key-file). Point any client at the gateway:

  ANTHROPIC_BASE_URL=http://127.0.0.1:8787 ANTHROPIC_AUTH_TOKEN=$(cat ~/.hermes/gateway.key) claude

With --client-issuer, --client-audience and --client-subject (for a shared gateway
with --allow-remote), a client may instead present its own OIDC JWT, such as a
Kubernetes projected service-account token; a refusal is a 401 naming the failed
check. --client-max-streams and --client-rpm limit each client (429, retry-after).

GET /healthz needs no key and shows the credential's kind and expiry, no secret;
GET /readyz is 200 while a token is held or obtainable, 503 otherwise or once
stopping; GET /metrics is the Prometheus text exposition.
The gateway listens on loopback only unless --allow-remote. SIGINT or SIGTERM stop
it gracefully: readiness turns false (/readyz 503) and new requests get 503,
open streams get up to --shutdown-grace to finish (0: none), then end with an
SSE error event.

JSON output: see https://github.com/hermes-agent/hermes/blob/main/docs/JSON.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Resolve = f.Resolve
			logger, err := accessLogger(f.IO.ErrOut, opts.LogFormat, f.Verbose)
			if err != nil {
				return err
			}
			opts.Logger = logger
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", DefaultListen, "address to listen on (host:port)")
	fl.StringVar(&opts.KeyFile, "key-file", "", "gateway key file (default HERMES_HOME/gateway.key; created if missing)")
	fl.BoolVar(&opts.AllowRemote, "allow-remote", false, "listen on and accept non-loopback addresses (clients still need the key)")
	fl.Int64Var(&opts.MaxBodyBytes, "max-body-bytes", gw.DefaultMaxBodyBytes, "largest request body accepted (larger: 413)")
	fl.DurationVar(&opts.ShutdownGrace, "shutdown-grace", gw.DefaultShutdownGrace, "how long open streams may finish after SIGINT/SIGTERM")
	addClientFlags(cmd, opts)
	addBudgetFlags(cmd, &opts.Budgets)
	cmd.AddCommand(newUsageCmd(f))
	_ = cmd.RegisterFlagCompletionFunc("log-format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// accessLogger logs one line per request at Info (Debug with --verbose),
// as text or, with --log-format json, one JSON object per line.
func accessLogger(w io.Writer, format string, verbose bool) (*slog.Logger, error) {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	hopts := &slog.HandlerOptions{Level: level}
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, hopts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, hopts)), nil
	}
	return nil, cmdutil.FlagErrorf("--log-format must be text or json, not %q", format)
}

// Run starts the gateway and serves until ctx ends or SIGTERM arrives.
func Run(ctx context.Context, opts *Options) error {
	if opts.MaxBodyBytes <= 0 {
		return cmdutil.FlagErrorf("--max-body-bytes must be positive")
	}
	if opts.ShutdownGrace < 0 {
		return cmdutil.FlagErrorf("--shutdown-grace %s is negative: give a duration such as 30s (0 stops at once)", opts.ShutdownGrace)
	}
	if err := checkClientFlags(opts); err != nil {
		return err
	}
	keyPath, err := keyPath(opts)
	if err != nil {
		return err
	}
	// Resolve once: the Runtime's TokenSource refreshes per request.
	rt, err := opts.Resolve(ctx)
	if err != nil {
		return err
	}
	key, created, err := gw.LoadOrCreateKey(keyPath)
	if err != nil {
		return err
	}
	budgets, err := opts.Budgets.enforcer(opts.HermesHome)
	if err != nil {
		return err
	}
	if budgets != nil {
		defer budgets.Store().Close()
	}
	var clientAuth *gw.ClientAuth
	if opts.ClientAuth.Enabled() {
		clientAuth = &opts.ClientAuth
	}
	g, err := gw.New(gw.Options{
		Runtime:      rt,
		Key:          key,
		MaxBodyBytes: opts.MaxBodyBytes,
		AllowRemote:  opts.AllowRemote,
		Logger:       opts.Logger,
		ClientAuth:   clientAuth,
		Limits:       opts.Limits,
		Budgets:      budgets,
	})
	if err != nil {
		return err
	}
	ln, err := gw.Listen(opts.Listen, opts.AllowRemote)
	if err != nil {
		return humaniseListenError(opts.Listen, err)
	}
	// With --log-format json every stderr line is JSON, so a log pipeline
	// parsing the access log is not tripped by the banner.
	jsonLog := opts.LogFormat == "json" && opts.Logger != nil
	say := func(msg string) { fmt.Fprintln(opts.IO.ErrOut, msg) }
	if jsonLog {
		say = func(msg string) { opts.Logger.Info(msg) }
		opts.Logger.Info("hermes gateway listening", "url", "http://"+ln.Addr().String(), "upstream", secret.URL(rt.BaseURL),
			"credential", termtext.Clean(rt.Source), "kind", rt.Kind, "key_file", keyPath, "new_key", created)
	} else {
		printBanner(opts.IO.ErrOut, ln.Addr(), rt, keyPath, created)
	}
	if budgets != nil {
		say(fmt.Sprintf("hermes gateway: %d budget(s) enforced, counters in %s (on store failure: %s)", len(budgets.Rules()), budgets.Store().Describe(), opts.Budgets.StoreFail))
	}
	if opts.ready != nil {
		opts.ready(ln.Addr().String())
	}
	sigs := opts.signals
	if sigs == nil {
		c := make(chan os.Signal, 2)
		signal.Notify(c, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(c)
		sigs = c
	}
	ctx, force, stop := cmdutil.Escalate(ctx, sigs, func() {
		// Readiness goes false first, so load balancers stop sending.
		g.Drain()
		say("hermes gateway: stopping; open streams may finish (Ctrl-C or SIGTERM again to stop now)")
	})
	defer stop()
	opts.Budgets.reloadOnHUP(ctx, budgets, slogOrStderr(opts.Logger, say))
	err = gw.ServeForce(ctx, force, ln, g, opts.ShutdownGrace, opts.Logger)
	if err == nil {
		say("hermes gateway: stopped")
	}
	return err
}

// humaniseListenError says what to do when the port is taken (most often
// by another gateway) instead of the system's "bind: address already in use".
func humaniseListenError(addr string, err error) error {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return err
	}
	host, port, splitErr := net.SplitHostPort(addr)
	if splitErr != nil {
		return err
	}
	return fmt.Errorf("port %s is in use; pass --listen %s for any free port or stop the other gateway", port, net.JoinHostPort(host, "0"))
}

func keyPath(opts *Options) (string, error) {
	if opts.KeyFile != "" {
		return filepath.Abs(opts.KeyFile)
	}
	home, err := opts.HermesHome()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, gw.KeyFileName), nil
}

// printBanner says where the gateway is and how to use it; it names the
// key file, never the key.
func printBanner(w io.Writer, addr net.Addr, rt *credential.Runtime, keyPath string, created bool) {
	base := "http://" + addr.String()
	note := ""
	if created {
		note = " (new key)"
	}
	fmt.Fprintf(w, "hermes gateway listening on %s\n", base)
	fmt.Fprintf(w, "  upstream:   %s\n", secret.URL(rt.BaseURL))
	fmt.Fprintf(w, "  credential: %s [%s]\n", termtext.Clean(rt.Source), rt.Kind)
	fmt.Fprintf(w, "  key file:   %s%s\n", keyPath, note)
	fmt.Fprintf(w, "Point clients at it:\n  ANTHROPIC_BASE_URL=%s ANTHROPIC_AUTH_TOKEN=$(cat %s)\n", base, shellQuote(keyPath))
}

// shellQuote quotes s for a POSIX shell when it needs it. A string the
// POSIX variant cannot express (a control character) is single-quoted,
// which any POSIX shell reads byte for byte.
func shellQuote(s string) string {
	if q, err := syntax.Quote(s, syntax.LangPOSIX); err == nil {
		return q
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
