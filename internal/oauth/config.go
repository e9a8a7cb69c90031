// Package oauth is hermes's OAuth user login: the authorization-code flow
// with PKCE (browser on a loopback redirect, or a pasted CODE#STATE), the
// JSON token and refresh requests, and a refreshing credential.TokenSource
// over wherever a login's token pair lives (a hermes pool entry, Claude
// Code's credentials file, an SDK profile's credentials file).
//
// It sits beside the core credential package, as golang.org/x/oauth2's
// providers sit beside its core: credential does not import it.
package oauth

import "strings"

// Environment variables (and flags of the same name, lower-cased with
// dashes) that override the endpoints and client.
const (
	EnvAuthorizeURL = "HERMES_OAUTH_AUTHORIZE_URL"
	EnvTokenURL     = "HERMES_OAUTH_TOKEN_URL"
	EnvClientID     = "HERMES_OAUTH_CLIENT_ID"
	EnvRedirectURI  = "HERMES_OAUTH_REDIRECT_URI"
	EnvScopes       = "HERMES_OAUTH_SCOPES"
)

// Anthropic's defaults: Claude Code's public client.
const (
	DefaultAuthorizeURL = "https://claude.ai/oauth/authorize"
	DefaultTokenURL     = "https://platform.claude.com/v1/oauth/token"
	DefaultClientID     = "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
	DefaultRedirectURI  = "https://platform.claude.com/oauth/code/callback"
	DefaultScopes       = "user:profile user:inference"
)

// Beta is the anthropic-beta value every token and refresh request carries.
const Beta = "oauth-2025-04-20"

// Config is where a login happens and which client it is for.
type Config struct {
	AuthorizeURL string
	TokenURL     string
	ClientID     string
	// RedirectURI is the paste flow's redirect (the page that shows
	// CODE#STATE); the browser flow uses its own loopback listener.
	RedirectURI string
	Scopes      string // space-separated
}

// Defaults is Anthropic's configuration.
func Defaults() Config {
	return Config{
		AuthorizeURL: DefaultAuthorizeURL,
		TokenURL:     DefaultTokenURL,
		ClientID:     DefaultClientID,
		RedirectURI:  DefaultRedirectURI,
		Scopes:       DefaultScopes,
	}
}

// FromEnv is Defaults overridden by the HERMES_OAUTH_* variables that are set.
func FromEnv(getenv func(string) string) Config {
	c := Defaults()
	for _, o := range []struct {
		env string
		dst *string
	}{
		{EnvAuthorizeURL, &c.AuthorizeURL}, {EnvTokenURL, &c.TokenURL}, {EnvClientID, &c.ClientID},
		{EnvRedirectURI, &c.RedirectURI}, {EnvScopes, &c.Scopes},
	} {
		if v := strings.TrimSpace(getenv(o.env)); v != "" {
			*o.dst = v
		}
	}
	return c
}
