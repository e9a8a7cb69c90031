package resolve

import (
	"context"
	"errors"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/oauth"
)

// loginNeeded is implemented by errors that mean "only a new login helps"
// (a refused refresh token); the resolver then falls through.
type loginNeeded interface {
	error
	NeedsNewLogin() bool
}

func needsNewLogin(err error) bool {
	var ln loginNeeded
	return errors.As(err, &ln) && ln.NeedsNewLogin()
}

// oauthSource builds the refreshing token source of an OAuth candidate.
func (r *Resolver) oauthSource(c *candidate, base string) (*oauth.Source, error) {
	l := *c.oauth
	l.Home, l.Where, l.BaseURL = r.Home, c.name, base
	return oauth.NewSource(l, oauth.Options{Getenv: r.Getenv, Now: r.Now, UserAgent: r.UserAgent, HTTPClient: r.HTTPClient})
}

// oauthStatus is the status of an OAuth candidate, without refreshing.
func (r *Resolver) oauthStatus(c *candidate) *oauth.Status {
	base, _, _ := r.baseURL(c.baseURL)
	src, err := r.oauthSource(c, base)
	if err != nil {
		return &oauth.Status{Problem: err.Error()}
	}
	st := src.Status()
	return &st
}

// checkOAuth makes sure an OAuth winner can still yield a token: a login
// whose refresh token was refused is skipped (one line on stderr) unless
// it was chosen with --credential. Other failures (network) are left to
// the first request, which reports them.
func (r *Resolver) checkOAuth(ctx context.Context, c *candidate, rt *credential.Runtime) error {
	_, err := rt.Tokens.Token(ctx)
	if err == nil || !needsNewLogin(err) {
		return nil
	}
	if r.Credential != "" {
		return err
	}
	c.problem = err.Error()
	if r.Stderr != nil {
		r.warnOnce("hermes: " + err.Error() + "; trying the next credential\n")
	}
	return errSkip
}

var errSkip = errors.New("skip this candidate")

// reloginCommand is what to run when a stored login can no longer be refreshed.
func reloginCommand(e *authstore.Entry) string {
	switch e.Source {
	case authstore.SourceClaudeCode:
		return "`claude` and /login (Claude Code's own login)"
	case authstore.SourceSDKProfile:
		return "hermes auth add anthropic --type oauth --save-profile " + e.Profile
	}
	return "hermes auth add anthropic --type oauth"
}
