package oauth

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"context"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/authstore"
)

// Found is an OAuth user login the resolver found: a pool entry (its pair
// in auth.json, or in a file it uses in place: Claude Code's, an SDK
// profile's) or a user_oauth SDK profile.
type Found struct {
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

// Status describes an OAuth login for `auth status` without a secret and
// without refreshing.
type Status struct {
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

// Options are what every source needs beside the login.
type Options struct {
	Getenv     func(string) string
	Now        func() time.Time
	UserAgent  string
	HTTPClient *http.Client // carries refresh requests; nil: the default
}

// NewSource is Resolver.OAuth: the refreshing source of a login the
// resolver found.
func NewSource(l Found, o Options) (*Source, error) {
	client := &Client{HTTP: o.HTTPClient, UserAgent: o.UserAgent, Now: o.Now}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	if l.Entry == nil {
		return profileSource(l, client, now)
	}
	e := *l.Entry
	tokenURL, clientID := firstNonEmpty(e.TokenURL, FromEnv(o.Getenv).TokenURL), firstNonEmpty(e.ClientID, DefaultClientID)
	src := &Source{Where: l.Where, Now: now, Relogin: "hermes auth add anthropic --type oauth",
		Refresh: func(ctx context.Context, rt string) (*Tokens, error) {
			return client.Refresh(ctx, tokenURL, clientID, rt)
		}}
	status := Status{Location: "hermes store", Account: e.Account}
	switch e.Source {
	case authstore.SourceClaudeCode:
		src.Store = ClaudeCodeFile{Path: e.File, LockPath: lockPath(l.Home, "claude-code")}
		src.Relogin = "claude, then /login (Claude Code's login)"
		status.Location, status.File = "Claude Code", e.File
	case authstore.SourceSDKProfile:
		return profileSource(Found{Home: l.Home, Where: l.Where, ProfileDir: filepath.Dir(filepath.Dir(e.File)), ProfileName: e.Profile, BaseURL: l.BaseURL}, client, now)
	default:
		src.Store = PoolStore{Home: l.Home, ID: e.ID}
	}
	src.Describe = func() Status { return describeLogin(src, status, now) }
	return src, nil
}

func describeLogin(src *Source, st Status, now func() time.Time) Status {
	p, err := src.Store.Load()
	if err != nil {
		st.Problem = err.Error()
		return st
	}
	if cc, ok := src.Store.(ClaudeCodeFile); ok {
		if l, err := ReadClaudeCode(cc.Path); err == nil {
			st.SubscriptionType = l.SubscriptionType
		}
	}
	st.ExpiresAt = p.Expiry
	st.Expired = !p.Expiry.IsZero() && !now().Before(p.Expiry)
	st.Refreshable = p.RefreshToken != "" && p.NeedsLogin == ""
	st.NeedsLogin = p.NeedsLogin
	return st
}

// profileSource refreshes a user_oauth profile as the SDK does: at the
// profile's base URL (else the client's) + /v1/oauth/token, with the
// profile's client_id, writing credentials/NAME.json back.
func profileSource(l Found, client *Client, now func() time.Time) (*Source, error) {
	cfg := l.Profile
	if cfg == nil {
		c, err := config.LoadProfile(l.ProfileDir, l.ProfileName)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	if cfg.AuthenticationInfo == nil || cfg.AuthenticationInfo.UserOAuth == nil {
		return nil, fmt.Errorf("SDK profile %s is not a user_oauth profile", l.ProfileName)
	}
	path := cfg.AuthenticationInfo.CredentialsPath
	if path == "" {
		path = config.ProfileCredentialsPath(l.ProfileDir, l.ProfileName)
	}
	base := strings.TrimRight(firstNonEmpty(cfg.BaseURL, l.BaseURL), "/")
	clientID := cfg.AuthenticationInfo.UserOAuth.ClientID
	src := &Source{Where: l.Where, Now: now, Store: ProfileStore{Path: path, LockPath: lockPath(l.Home, "profile-"+l.ProfileName)},
		Relogin: "hermes auth add anthropic --type oauth --save-profile " + l.ProfileName + " (or `ant auth login`)"}
	if clientID != "" {
		src.Refresh = func(ctx context.Context, rt string) (*Tokens, error) {
			return client.Refresh(ctx, base+"/v1/oauth/token", clientID, rt)
		}
	} else {
		// Without a client_id the SDK treats the token as static.
		src.Refresh = func(context.Context, string) (*Tokens, error) {
			return nil, &TokenError{Endpoint: path, Grant: "refresh_token", Status: 400, Code: "invalid_grant", Description: "the profile has no client_id, so its token cannot be refreshed"}
		}
	}
	st := Status{Location: "profile " + l.ProfileName, File: path}
	src.Describe = func() Status {
		s := describeLogin(src, st, now)
		s.Refreshable = s.Refreshable && clientID != ""
		return s
	}
	return src, nil
}

func lockPath(home, name string) string {
	if home == "" { // never a relative path
		home = filepath.Join(os.TempDir(), fmt.Sprintf("hermes-%d", os.Getuid()))
	}
	return filepath.Join(home, "locks", "oauth-"+name+".lock")
}
