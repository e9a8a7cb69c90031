package cron

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/mcp"
)

type daemonOptions struct {
	IO       *iostreams.IOStreams
	Store    func() (*cron.Store, error)
	Executor func(*cron.Store) *cron.Executor
	Verbose  bool
	Parallel int
	Grace    time.Duration
}

func newDaemonCmd(f *cmdutil.Factory, runF func(context.Context, *daemonOptions) error) *cobra.Command {
	opts := &daemonOptions{
		IO:       f.IO,
		Store:    func() (*cron.Store, error) { return openStore(f) },
		Executor: func(s *cron.Store) *cron.Executor { return executor(f, s) },
	}
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run due jobs until stopped (one daemon per HERMES_HOME)",
		Long: `Run due jobs until SIGTERM or Ctrl-C. Each run resolves its credential
afresh. A failed run is recorded and does not stop the daemon; a job still
running when it is due again is skipped; runs missed while the daemon was down
run once at start. On SIGTERM or Ctrl-C, running jobs get --grace to finish;
a second SIGTERM or Ctrl-C cancels them at once.`,
		Args: exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Verbose = f.Verbose
			if opts.Parallel < 1 {
				return cmdutil.FlagErrorf("--parallel must be at least 1")
			}
			if opts.Grace < 0 {
				return cmdutil.FlagErrorf("--grace must not be negative (0 cancels running jobs at once)")
			}
			if err := mcp.CheckToolTimeout(f.Getenv); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return daemonRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.Parallel, "parallel", cron.DefaultParallel, "how many jobs may run at once")
	cmd.Flags().DurationVar(&opts.Grace, "grace", cron.DefaultGrace, "how long running jobs may finish after SIGTERM or Ctrl-C before they are canceled (0: cancel at once; so does a second signal)")
	return cmd
}

func daemonRun(ctx context.Context, opts *daemonOptions) error {
	store, err := opts.Store()
	if err != nil {
		return err
	}
	// Service managers stop with SIGTERM, people with Ctrl-C. The root
	// command's handler also sees Ctrl-C but only the first, so the daemon
	// listens to both itself to notice the second.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	ctx, force, stop := cmdutil.Escalate(ctx, sigs, nil)
	defer stop()
	level := slog.LevelInfo
	if opts.Verbose {
		level = slog.LevelDebug
	}
	// The Daemon reads a zero Grace as its default; here 0 was asked for.
	grace := opts.Grace
	if grace == 0 {
		grace = cron.NoGrace
	}
	d := &cron.Daemon{
		Exec:     opts.Executor(store),
		Parallel: opts.Parallel,
		Grace:    grace,
		Force:    force,
		Logger:   slog.New(slog.NewTextHandler(opts.IO.ErrOut, &slog.HandlerOptions{Level: level})),
	}
	return d.Run(ctx)
}
