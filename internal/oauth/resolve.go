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
	"github.com/hermes-agent/hermes/internal/credential"
)

// Options are what every source needs beside the login.
type Options struct {
	Getenv     func(string) string
	Now        func() time.Time
	UserAgent  string
	HTTPClient *http.Client // carries refresh requests; nil: the default
}

// NewSource is Resolver.OAuth: the refreshing source of a login the
// resolver found.
func NewSource(l credential.OAuthLogin, o Options) (credential.TokenSource, error) {
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
	status := credential.OAuthStatus{Location: "hermes store", Account: e.Account}
	switch e.Source {
	case authstore.SourceClaudeCode:
		src.Store = ClaudeCodeFile{Path: e.File, LockPath: lockPath(l.Home, "claude-code")}
		src.Relogin = "claude, then /login (Claude Code's login)"
		status.Location, status.File = "Claude Code", e.File
	case authstore.SourceSDKProfile:
		return profileSource(credential.OAuthLogin{Home: l.Home, Where: l.Where, ProfileDir: filepath.Dir(filepath.Dir(e.File)), ProfileName: e.Profile, BaseURL: l.BaseURL}, client, now)
	default:
		src.Store = PoolStore{Home: l.Home, ID: e.ID}
	}
	src.Describe = func() credential.OAuthStatus { return describeLogin(src, status, now) }
	return src, nil
}

func describeLogin(src *Source, st credential.OAuthStatus, now func() time.Time) credential.OAuthStatus {
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
func profileSource(l credential.OAuthLogin, client *Client, now func() time.Time) (credential.TokenSource, error) {
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
	st := credential.OAuthStatus{Location: "profile " + l.ProfileName, File: path}
	src.Describe = func() credential.OAuthStatus {
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
