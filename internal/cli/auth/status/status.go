// Package status implements `hermes auth status`.
package status

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/apiclient"
	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/termtext"
)

// Options are the inputs of `hermes auth status`.
type Options struct {
	IO       *iostreams.IOStreams
	Resolver func() *resolve.Resolver
	Now      func() time.Time
	JSON     bool
	Check    bool
}

// NewCmd returns the `hermes auth status` command; newResolver builds the
// resolver for the current settings (wired by the root).
func NewCmd(f *cmdutil.Factory, newResolver func() *resolve.Resolver) *cobra.Command {
	opts := &Options{IO: f.IO, Resolver: newResolver}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show every credential source, which one wins and why",
		Long: `Show every place hermes looks for an Anthropic credential, in precedence
order: which one is used and why, which are set but shadowed, and what is
missing. For Workload Identity Federation it shows the identity-token
source, the token's non-secret claims (iss, sub, aud, exp, jti) and the
cached access token's expiry. Never prints a secret.

--check also gets a token (one exchange, if none is cached) and makes one
authenticated API call (GET /v1/models). Exits 4 when nothing resolves.

JSON output: see https://github.com/hermes-agent/hermes/blob/main/docs/JSON.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Now = f.Now
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&opts.Check, "check", false, "exchange if needed and make one authenticated API call")
	return cmd
}

// output is the JSON shape: the report plus the live check.
type output struct {
	*resolve.Report
	Check *apiclient.CheckResult `json:"check,omitempty"`
	Error string                 `json:"error,omitempty"`
}

// Run prints the report and, with --check, the result of a live call.
func Run(ctx context.Context, opts *Options) error {
	r := opts.Resolver()
	rep, err := r.Report(ctx)
	if err != nil {
		return err
	}
	// Once per process: --check's resolution would say it again.
	if w := authstore.Open(r.Home).ReadableWarning(); w != "" && r.Sources.FirstNotice(w+"\n") {
		fmt.Fprintln(opts.IO.ErrOut, w)
	}
	out := output{Report: rep}
	if rep.Err != nil {
		out.Error = rep.Err.Error()
	}
	var checkErr error
	if opts.Check && rep.Err == nil {
		rt, err := r.Resolve(ctx)
		if err != nil {
			checkErr = err
			out.Check = &apiclient.CheckResult{Error: err.Error()}
		} else {
			out.Check = apiclient.Check(ctx, rt)
			checkErr = out.Check.Err()
		}
		if checkErr != nil && ctx.Err() != nil {
			// Ctrl-C, not a failed credential: say so, without Go's
			// "context canceled".
			out.Check = &apiclient.CheckResult{Error: cmdutil.ErrCancel.Error()}
			checkErr = cmdutil.ErrCancel
		}
	}
	if opts.JSON {
		if err := cmdutil.WriteJSON(opts.IO.Out, out); err != nil {
			return err
		}
	} else {
		printText(opts.IO.Out, out, opts.now())
	}
	if rep.Err != nil {
		return rep.Err
	}
	if errors.Is(checkErr, cmdutil.ErrCancel) {
		return checkErr
	}
	if checkErr != nil {
		return fmt.Errorf("check failed: %w", checkErr)
	}
	return nil
}

func (o *Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

func printText(w io.Writer, o output, now time.Time) {
	// Names, labels, paths and server text may come from anyone who could
	// write a file or a variable: nothing in them reaches the terminal as
	// an escape sequence.
	w = cleanWriter{w}
	rep := o.Report
	fmt.Fprintln(w, rep.Summary)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Credential sources, in precedence order:")
	for i, s := range rep.Sources {
		state := s.State
		switch {
		case s.State == resolve.StateUsed:
			state = "USED"
		case s.State == resolve.StateShadowed:
			state = s.Detail
		case s.Detail != "" && s.Detail != s.State:
			state += ": " + s.Detail
		}
		fmt.Fprintf(w, "  %d. %s — %s\n", i+1, s.Heading(), state)
		if s.Masked != "" {
			fmt.Fprintf(w, "       %s %s\n", s.Kind, s.Masked)
		}
		if s.WIF != nil {
			printWIF(w, s.WIF, now)
		}
	}
	if rep.BaseURL != "" {
		fmt.Fprintf(w, "\nBase URL: %s (%s)\n", rep.BaseURL, rep.BaseURLFrom)
	}
	if c := o.Check; c != nil {
		fmt.Fprintln(w)
		if c.OK {
			fmt.Fprintf(w, "Check: ok — GET /v1/models answered %d%s%s\n", c.APIStatus, reqID(" (request-id %s)", c.APIRequestID), reqID("; token from exchange request-id %s", c.ExchangeRequestID))
		} else {
			fmt.Fprintf(w, "Check: FAILED — %s\n", c.Error)
		}
	}
}

func printWIF(w io.Writer, ws *resolve.WIFStatus, now time.Time) {
	fmt.Fprintf(w, "       federation rule %s, organization %s", ws.FederationRuleID, ws.OrganizationID)
	if ws.ServiceAccountID != "" {
		fmt.Fprintf(w, ", service account %s", ws.ServiceAccountID)
	}
	if ws.WorkspaceID != "" {
		fmt.Fprintf(w, ", workspace %s", ws.WorkspaceID)
	}
	fmt.Fprintf(w, "\n       identity token: %s\n", ws.TokenSource)
	if c := ws.Claims; c != nil {
		fmt.Fprintf(w, "         iss %s\n         sub %s\n         aud %s\n", c.Issuer, c.Subject, strings.Join(c.Audience, ", "))
		if !c.Expiry.IsZero() {
			fmt.Fprintf(w, "         exp %s (%s)\n", c.Expiry.UTC().Format(time.RFC3339), relative(c.Expiry, now))
		}
		if c.JTI != "" {
			fmt.Fprintf(w, "         jti %s\n", c.JTI)
		}
	}
	if ws.Note != "" {
		fmt.Fprintf(w, "         %s\n", ws.Note)
	}
	for _, f := range ws.Findings {
		fmt.Fprintf(w, "         %s\n", f)
	}
	if ws.Spent {
		fmt.Fprintln(w, "         already exchanged: a new exchange needs a rotated identity token")
	}
	if c := ws.Cached; c != nil {
		fmt.Fprintf(w, "       cached access token: expires %s (%s)%s\n", c.ExpiresAt.UTC().Format(time.RFC3339), relative(c.ExpiresAt, now), reqID(", exchange request-id %s", c.RequestID))
	} else {
		fmt.Fprintln(w, "       cached access token: none (the next use exchanges)")
	}
}

// cleanWriter strips control characters from each line written to it
// (every Fprintf in printText writes whole lines).
type cleanWriter struct{ w io.Writer }

func (c cleanWriter) Write(p []byte) (int, error) {
	lines := strings.Split(string(p), "\n")
	for i, l := range lines {
		lines[i] = termtext.Clean(l)
	}
	if _, err := io.WriteString(c.w, strings.Join(lines, "\n")); err != nil {
		return 0, err
	}
	return len(p), nil
}

func relative(t, now time.Time) string {
	d := t.Sub(now).Round(time.Second)
	if d < 0 {
		return "expired " + (-d).String() + " ago"
	}
	return "in " + d.String()
}

func reqID(format, id string) string {
	if id == "" {
		return ""
	}
	return fmt.Sprintf(format, id)
}
