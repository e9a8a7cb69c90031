package cron

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

type logsOptions struct {
	IO    *iostreams.IOStreams
	Store func() (*cron.Store, error)
	Name  string
	Limit int
	JSON  bool
}

func newLogsCmd(f *cmdutil.Factory, runF func(*logsOptions) error) *cobra.Command {
	opts := &logsOptions{IO: f.IO, Store: func() (*cron.Store, error) { return openStore(f) }}
	cmd := &cobra.Command{
		Use:   "logs NAME",
		Short: "Show a job's recent runs: status, error and output",
		Long: `Show a job's recent runs: status, error and output.

JSON output: see https://github.com/hermes-agent/hermes/blob/main/docs/JSON.md`,
		Args:        exactArgs(1, "NAME"),
		Annotations: jobArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if err := cron.ValidateName(opts.Name); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("--limit must be 0 (all kept) or more")
			}
			if runF != nil {
				return runF(opts)
			}
			return logsRun(opts)
		},
	}
	cmd.Flags().IntVarP(&opts.Limit, "limit", "n", 1, "how many of the most recent runs to show (0: all kept)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the run records as JSON")
	return cmdutil.MarkOffline(cmd)
}

func logsRun(opts *logsOptions) error {
	store, err := opts.Store()
	if err != nil {
		return err
	}
	if _, err := store.Get(opts.Name); err != nil {
		return err
	}
	recs, skipped, err := store.ReadRecords(opts.Name, opts.Limit)
	if err != nil {
		return err
	}
	for _, note := range skipped {
		fmt.Fprintln(opts.IO.ErrOut, "note: "+note)
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, recs)
	}
	if len(recs) == 0 && len(skipped) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "cron job %q has not run yet\n", opts.Name)
		return nil
	}
	for i, r := range recs {
		if i > 0 {
			fmt.Fprintln(opts.IO.Out)
		}
		fmt.Fprintf(opts.IO.Out, "=== %s  %s  %s (%s, %s)\n", opts.Name, formatTime(r.Start), r.Status, r.Trigger, took(r))
		if r.Error != "" {
			fmt.Fprintf(opts.IO.Out, "error: %s\n", r.Error)
		}
		if r.Output != "" {
			fmt.Fprint(opts.IO.Out, r.Output)
			if !strings.HasSuffix(r.Output, "\n") {
				fmt.Fprintln(opts.IO.Out)
			}
		}
	}
	return nil
}

// took is how long the run took, as far as its record says.
func took(r cron.Record) string {
	switch r.Status {
	case cron.StatusRunning:
		return "still running"
	case cron.StatusInterrupted:
		return "ended at an unknown time"
	}
	return r.End.Sub(r.Start).Round(time.Millisecond).String()
}
