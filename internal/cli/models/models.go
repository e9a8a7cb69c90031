// Package models implements `hermes models`: the models the Anthropic API
// offers to the resolved credential, with the one hermes uses by default
// marked.
package models

import (
	"context"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/models"
)

// Options is everything `hermes models` reads.
type Options struct {
	IO      *iostreams.IOStreams
	Resolve func(context.Context) (*credential.Runtime, error)
	Getenv  func(string) string
	JSON    bool
}

// NewCmd returns the `hermes models` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return newCmd(f, nil)
}

func newCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "models",
		Short: "List the models your credential can use",
		Long: `List the models the Anthropic API offers to the credential hermes resolves
(GET /v1/models, every page), newest first. The model hermes uses without -m
(HERMES_MODEL, else ` + models.DefaultModel + `) is marked "default"; deprecated
models show their retirement date.

JSON output: see https://github.com/hermes-agent/hermes/blob/main/docs/JSON.md`,
		Example: `  hermes models
  hermes models --json | jq -r '.[].id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Resolve = f.Resolve
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the list as JSON")
	return cmd
}

// Run runs `hermes models`.
func Run(ctx context.Context, opts *Options) error {
	rt, err := opts.Resolve(ctx)
	if err != nil {
		return err
	}
	list, err := models.List(ctx, rt, opts.Getenv("HERMES_MODEL"))
	if err != nil {
		return err
	}
	if def := models.Pick(opts.Getenv("HERMES_MODEL")); len(list) > 0 && !slices.ContainsFunc(list, func(m models.Info) bool { return m.Default }) {
		// Nothing to mark: every run without -m would be refused.
		how := "the built-in default"
		if opts.Getenv("HERMES_MODEL") != "" {
			how = "HERMES_MODEL"
		}
		fmt.Fprintf(opts.IO.ErrOut, "warning: the default model %s (%s) is not offered to %s: it may be retired; set HERMES_MODEL or pass -m with one of these.\n", def, how, rt.Source)
	}
	if opts.JSON {
		if list == nil {
			list = []models.Info{}
		}
		return cmdutil.WriteJSON(opts.IO.Out, list)
	}
	if len(list) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "The API lists no models for %s.\n", rt.Source)
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tRELEASED\tNOTE")
	for _, m := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.ID, m.DisplayName, day(m.Created), note(m))
	}
	return tw.Flush()
}

func day(t time.Time) string {
	if t.IsZero() || t.Unix() <= 0 {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

// note marks the default and a scheduled retirement.
func note(m models.Info) string {
	s := ""
	if m.Default {
		s = "default"
	}
	if m.Lifecycle != "" && m.Lifecycle != "active" {
		if s != "" {
			s += ", "
		}
		s += m.Lifecycle
		if m.RetiresAt != nil {
			s += " (retires " + day(*m.RetiresAt) + ")"
		}
	}
	return s
}
