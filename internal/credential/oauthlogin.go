package credential

import (
	"context"
	"errors"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/authstore"
)

// OAuthLogin is an OAuth user login the resolver found: a pool entry (its
// pair in auth.json, or in a file it uses in place: Claude Code's, an SDK
// profile's) or a user_oauth SDK profile. Resolver.OAuth turns it into a
// refreshing TokenSource; the implementation (internal/oauth) sits beside
// this package so that it does not depend on it.
type OAuthLogin struct {
	Home  string
	Where string           // the candidate's name, for messages
	Entry *authstore.Entry // a pool entry, or nil
	// A user_oauth profile (Entry nil).
	ProfileDir, ProfileName string
	Profile                 *config.Config
	// BaseURL is the resolved API base URL (a profile without a base_url
	// refreshes there, as the SDK does).
	BaseURL string
}

// OAuthStatus describes an OAuth login for `auth status`/`auth list`
// without a secret and without refreshing.
type OAuthStatus struct {
	// Location: "hermes store", "Claude Code" or "profile NAME".
	Location         string    `json:"location"`
	File             string    `json:"file,omitempty"`
	Account          string    `json:"account,omitempty"`
	SubscriptionType string    `json:"subscription_type,omitempty"`
	ExpiresAt        time.Time `json:"expires_at,omitzero"`
	Expired          bool      `json:"expired"`
	Refreshable      bool      `json:"refreshable"`
	// NeedsLogin says why the login can no longer be refreshed.
	NeedsLogin string `json:"needs_login,omitempty"`
	Problem    string `json:"problem,omitempty"` // e.g. the file is missing
}

// OAuthDescriber is implemented by OAuth token sources for status output.
type OAuthDescriber interface {
	OAuthStatus() OAuthStatus
}

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

// oauthSource builds the token source of an OAuth candidate. Without a
// Resolver.OAuth (tests of this package), a pool entry's stored access
// token is used as it is.
func (r *Resolver) oauthSource(c *candidate, base string) (TokenSource, error) {
	if r.OAuth == nil {
		if c.secret == "" {
			return nil, errors.New(c.name + ": OAuth logins used in place need the oauth package (Resolver.OAuth)")
		}
		return StaticSource{Value: c.secret}, nil
	}
	l := *c.oauth
	l.Home, l.Where, l.BaseURL = r.Home, c.name, base
	return r.OAuth(l)
}

// oauthStatus is the status of an OAuth candidate, without refreshing.
func (r *Resolver) oauthStatus(c *candidate) *OAuthStatus {
	base, _, _ := r.baseURL(c.baseURL)
	src, err := r.oauthSource(c, base)
	if err != nil {
		return &OAuthStatus{Problem: err.Error()}
	}
	if d, ok := src.(OAuthDescriber); ok {
		st := d.OAuthStatus()
		return &st
	}
	return nil
}

// checkOAuth makes sure an OAuth winner can still yield a token: a login
// whose refresh token was refused is skipped (one line on stderr) unless
// it was chosen with --credential. Other failures (network) are left to
// the first request, which reports them.
func (r *Resolver) checkOAuth(ctx context.Context, c *candidate, rt *Runtime) error {
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
