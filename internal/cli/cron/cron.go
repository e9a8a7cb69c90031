// Package cron implements `hermes cron`: scheduled prompts that run with a
// freshly resolved credential each time.
package cron

import (
	"context"
	"fmt"
	"path"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/bot"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/models"
)

// NewCmd returns the `hermes cron` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cron <command>",
		Short: "Schedule prompts that run with freshly resolved credentials",
		Long: `Schedule prompts to run on a cron schedule. 'hermes cron daemon' runs due
jobs; each run resolves its credential afresh (a WIF token is exchanged when
the cached one has expired), so a daemon running for days never holds an
expired token. Jobs and their run records live in $HERMES_HOME/cron.`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(
		newAddCmd(f, nil),
		newEditCmd(f, nil),
		newListCmd(f, nil),
		newRemoveCmd(f, nil),
		newPauseCmd(f, nil),
		newResumeCmd(f, nil),
		newRunCmd(f, nil),
		newLogsCmd(f, nil),
		newDaemonCmd(f, nil),
		newExportCmd(f, nil),
	)
	// Subcommands that take job names complete them from this factory's
	// HERMES_HOME (set here, not in a package variable: commands are
	// built concurrently in tests).
	jobs, names := completeJob(f), completeJobNames(f)
	for _, sub := range cmd.Commands() {
		switch sub.Annotations[annotationJobArgs] {
		case "true":
			sub.ValidArgsFunction = jobs
		case "many":
			sub.ValidArgsFunction = names
		}
	}
	return cmd
}

// openStore is the job store under HERMES_HOME.
func openStore(f *cmdutil.Factory) (*cron.Store, error) {
	home, err := f.HermesHome()
	if err != nil {
		return nil, err
	}
	return cron.NewStore(home), nil
}

// executor is what `hermes cron run` and the daemon run jobs with: the
// factory's resolver, asked afresh for every run, and the agent.
func executor(f *cmdutil.Factory, store *cron.Store) *cron.Executor {
	return &cron.Executor{
		Store:   store,
		Resolve: f.Resolve,
		Runner:  delivering{agentRunner{DefaultModel: f.Getenv("HERMES_MODEL"), Now: f.Now, Home: path.Dir(store.Dir), SecretPaths: f.SecretPaths, SecretEnv: f.SecretEnv, Warnings: f.IO.ErrOut, Deprecations: new(models.Warner)}, f.Getenv, path.Dir(store.Dir)},
		Clock:   factoryClock{f},
	}
}

// delivering posts each answered run to the job's --deliver chat, with
// the platform token of the environment the job runs in, or else through
// the `hermes bot` running on the same HERMES_HOME. A run whose answer
// could not be posted fails, so `cron logs` shows why.
type delivering struct {
	cron.Runner
	getenv func(string) string
	home   string
}

func (d delivering) Run(ctx context.Context, rt *credential.Runtime, job cron.Job) (string, error) {
	out, err := d.Runner.Run(ctx, rt, job)
	if err != nil || job.Deliver == "" {
		return out, err
	}
	if err := bot.DeliverFrom(ctx, d.home, d.getenv, job.Deliver, out); err != nil {
		return out, fmt.Errorf("the answer was not delivered: %w", err)
	}
	return out, nil
}

// factoryClock reads the factory's clock and waits on real timers.
type factoryClock struct{ f *cmdutil.Factory }

func (c factoryClock) Now() time.Time { return c.f.Now() }

func (c factoryClock) Until(t time.Time) (<-chan time.Time, func()) {
	return cron.SystemClock{}.Until(t)
}

// annotationJobArgs marks a subcommand whose arguments are job names.
const annotationJobArgs = "hermes/job-args"

// jobArgs is the annotation NewCmd looks for to complete job names.
func jobArgs() map[string]string { return map[string]string{annotationJobArgs: "true"} }

func exactArgs(n int, usage string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return cmdutil.FlagErrorf("usage: %s %s", cmd.CommandPath(), usage)
		}
		return nil
	}
}
