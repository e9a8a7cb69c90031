// Package token implements `hermes auth token`.
package token

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// Options are the inputs of `hermes auth token`.
type Options struct {
	IO      *iostreams.IOStreams
	Resolve func(context.Context) (*credential.Runtime, error)
	Now     func() time.Time
	// JSON prints the token with its type, expiry, source and base URL.
	JSON bool
	// MinValid: a token with less than this left is refreshed first.
	MinValid time.Duration
}

// NewCmd returns the `hermes auth token` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print the credential value alone (usable as apiKeyHelper)",
		Long: `Print the resolved credential's value, alone, followed by a newline, on
stdout: an API key, or a short-lived access token (WIF: exchanged or taken
from the shared cache). Usable as Claude Code's apiKeyHelper. Exits 4 when
there is no credential.

--json prints {"token", "type" (bearer or api_key), "expires_at" (RFC 3339,
null for a key that does not expire), "source", "base_url"}, the shape
credential_process-style helpers expect.

--min-valid DURATION refreshes the token first when less than DURATION is
left (WIF: a new exchange; OAuth: a refresh), so a caller that caches the
token until expires_at never holds one about to lapse.

JSON output: see https://github.com/hermes-agent/hermes/blob/main/docs/JSON.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.MinValid < 0 {
				return cmdutil.FlagErrorf("--min-valid must not be negative, got %s", opts.MinValid)
			}
			opts.Resolve = f.Resolve
			opts.Now = f.Now
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print token, type, expires_at, source and base_url as JSON")
	cmd.Flags().DurationVar(&opts.MinValid, "min-valid", 0, "refresh first when the token has less than `DURATION` left (e.g. 5m)")
	return cmd
}

// Output is the --json shape (docs/JSON.md).
type Output struct {
	Token string `json:"token"`
	// Type is how the value is presented: "bearer" or "api_key".
	Type credential.Mode `json:"type"`
	// ExpiresAt is RFC 3339 in UTC; nil when the value has no known expiry.
	ExpiresAt *string `json:"expires_at"`
	Source    string  `json:"source"`
	BaseURL   string  `json:"base_url"`
}

// Run prints the credential value, or with JSON the value and what it is.
func Run(ctx context.Context, opts *Options) error {
	rt, err := opts.Resolve(ctx)
	if err != nil {
		return err
	}
	tok, err := freshToken(ctx, rt.Tokens, opts.now(), opts.MinValid)
	if err != nil {
		return err
	}
	if !opts.JSON {
		_, err = fmt.Fprintln(opts.IO.Out, tok.Value)
		return err
	}
	out := Output{Token: tok.Value, Type: rt.Mode, Source: rt.ID, BaseURL: rt.BaseURL}
	if !tok.Expiry.IsZero() {
		s := tok.Expiry.UTC().Format(time.RFC3339)
		out.ExpiresAt = &s
	}
	return cmdutil.WriteJSON(opts.IO.Out, out)
}

// freshToken returns a token with at least minValid left: the cached one
// when it has, else the one the source fetches after dropping it. A source
// that cannot do better (its tokens live shorter than minValid) is an
// error naming both, not a token that lapses before the caller expects.
func freshToken(ctx context.Context, src credential.TokenSource, now time.Time, minValid time.Duration) (credential.Token, error) {
	tok, err := src.Token(ctx)
	if err != nil || minValid == 0 || !tok.ExpiresWithin(now, minValid) {
		return tok, err
	}
	inv, ok := src.(credential.Invalidator)
	if !ok {
		return credential.Token{}, fmt.Errorf("the credential expires at %s, within --min-valid %s, and its source cannot refresh it", tok.Expiry.UTC().Format(time.RFC3339), minValid)
	}
	inv.Invalidate(tok.Value)
	tok, err = src.Token(ctx)
	if err != nil {
		return credential.Token{}, err
	}
	if tok.ExpiresWithin(now, minValid) {
		return credential.Token{}, fmt.Errorf("a fresh token expires at %s, within --min-valid %s: the issuer's tokens live shorter; ask for less", tok.Expiry.UTC().Format(time.RFC3339), minValid)
	}
	return tok, nil
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}
