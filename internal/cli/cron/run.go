package cron

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/mcp"
)

type runOptions struct {
	IO       *iostreams.IOStreams
	Store    func() (*cron.Store, error)
	Executor func(*cron.Store) *cron.Executor
	Name     string
}

func newRunCmd(f *cmdutil.Factory, runF func(context.Context, *runOptions) error) *cobra.Command {
	opts := &runOptions{
		IO:       f.IO,
		Store:    func() (*cron.Store, error) { return openStore(f) },
		Executor: func(s *cron.Store) *cron.Executor { return executor(f, s) },
	}
	return &cobra.Command{
		Use:   "run NAME",
		Short: "Run a job now, in the foreground, exactly as the daemon would",
		Long: `Run a job now, in the foreground, exactly as the daemon would: a freshly
resolved credential, the job's prompt, and a run record (see 'hermes cron logs').
The answer goes to stdout. Exit 4 when authentication is missing or refused.`,
		Args:        exactArgs(1, "NAME"),
		Annotations: jobArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if err := cron.ValidateName(opts.Name); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if err := mcp.CheckToolTimeout(f.Getenv); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
}

func runRun(ctx context.Context, opts *runOptions) error {
	store, err := opts.Store()
	if err != nil {
		return err
	}
	job, err := store.Get(opts.Name)
	if err != nil {
		return err
	}
	rec, err := opts.Executor(store).Run(ctx, job, cron.TriggerManual, time.Time{})
	if rec.Output != "" {
		fmt.Fprint(opts.IO.Out, rec.Output)
		if !strings.HasSuffix(rec.Output, "\n") {
			fmt.Fprintln(opts.IO.Out)
		}
	}
	if err != nil {
		return fmt.Errorf("cron job %q: %w", opts.Name, err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "cron job %q: %s in %s\n", opts.Name, rec.Status, rec.End.Sub(rec.Start).Round(time.Millisecond))
	return nil
}
