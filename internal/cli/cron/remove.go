package cron

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

type nameOptions struct {
	IO    *iostreams.IOStreams
	Store func() (*cron.Store, error)
	Now   func() time.Time
	Name  string
}

func newNameOptions(f *cmdutil.Factory) *nameOptions {
	return &nameOptions{IO: f.IO, Store: func() (*cron.Store, error) { return openStore(f) }, Now: f.Now}
}

// nameCmd is a subcommand taking one job name that changes only the job
// store (remove, pause, resume): offline.
func nameCmd(use, short string, opts *nameOptions, run func(context.Context, *nameOptions) error) *cobra.Command {
	return cmdutil.MarkOffline(&cobra.Command{
		Use:         use + " NAME",
		Short:       short,
		Args:        exactArgs(1, "NAME"),
		Annotations: jobArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if err := cron.ValidateName(opts.Name); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			return run(cmd.Context(), opts)
		},
	})
}

func newRemoveCmd(f *cmdutil.Factory, runF func(context.Context, *nameOptions) error) *cobra.Command {
	if runF == nil {
		runF = removeRun
	}
	cmd := nameCmd("remove", "Remove a job and its run records", newNameOptions(f), runF)
	cmd.Aliases = []string{"rm"}
	return cmd
}

func removeRun(ctx context.Context, opts *nameOptions) error {
	store, err := opts.Store()
	if err != nil {
		return err
	}
	if err := store.Remove(ctx, opts.Name); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Removed cron job %q\n", opts.Name)
	return nil
}

func newPauseCmd(f *cmdutil.Factory, runF func(context.Context, *nameOptions) error) *cobra.Command {
	if runF == nil {
		runF = pauseRun
	}
	return nameCmd("pause", "Stop a job from running until it is resumed", newNameOptions(f), runF)
}

func newResumeCmd(f *cmdutil.Factory, runF func(context.Context, *nameOptions) error) *cobra.Command {
	if runF == nil {
		runF = resumeRun
	}
	return nameCmd("resume", "Resume a paused job (times missed while paused are not run)", newNameOptions(f), runF)
}

func pauseRun(ctx context.Context, opts *nameOptions) error {
	store, err := opts.Store()
	if err != nil {
		return err
	}
	if _, err := store.Update(ctx, opts.Name, func(j *cron.Job) error {
		j.Paused = true
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Paused cron job %q\n", opts.Name)
	return nil
}

func resumeRun(ctx context.Context, opts *nameOptions) error {
	store, err := opts.Store()
	if err != nil {
		return err
	}
	now := opts.Now()
	job, err := store.Update(ctx, opts.Name, func(j *cron.Job) error {
		if j.Paused {
			// The schedule restarts from now: no burst of runs missed while paused.
			j.Paused = false
			j.Anchor = now
		}
		return nil
	})
	if err != nil {
		return err
	}
	next, _ := job.Next()
	fmt.Fprintf(opts.IO.ErrOut, "Resumed cron job %q; next run %s\n", opts.Name, formatTime(next))
	return nil
}
