// Package anthropictest gives tests the Anthropic API stand-in
// (internal/anthropicstandin) under its test name: New starts one for a
// test and closes it when the test ends. Everything else is the stand-in's
// own, by alias. The stand-in lives in its own package because `hermes
// demo` runs it, and the release binary must not link the testing package.
package anthropictest

import (
	"testing"

	"github.com/hermes-agent/hermes/internal/anthropicstandin"
)

// New starts a stand-in for a test and closes it when the test ends.
func New(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := anthropicstandin.Start(cfg)
	if err != nil {
		t.Fatalf("anthropictest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a stand-in that the caller must Close.
func Start(cfg Config) (*Server, error) { return anthropicstandin.Start(cfg) }

// HashCredential is anthropicstandin.HashCredential.
func HashCredential(v string) string { return anthropicstandin.HashCredential(v) }

// EstimateTokens is anthropicstandin.EstimateTokens.
func EstimateTokens(b []byte) int { return anthropicstandin.EstimateTokens(b) }

// Models is the stand-in's model list (a copy).
func Models() []ModelEntry { return anthropicstandin.Models() }

type (
	CacheStats      = anthropicstandin.CacheStats
	Config          = anthropicstandin.Config
	ContentBlock    = anthropicstandin.ContentBlock
	Exchange        = anthropicstandin.Exchange
	Fault           = anthropicstandin.Fault
	Message         = anthropicstandin.Message
	MessagesRequest = anthropicstandin.MessagesRequest
	ModelEntry      = anthropicstandin.ModelEntry
	OAuthCall       = anthropicstandin.OAuthCall
	Reply           = anthropicstandin.Reply
	Request         = anthropicstandin.Request
	Rule            = anthropicstandin.Rule
	Server          = anthropicstandin.Server
	ServerToolUse   = anthropicstandin.ServerToolUse
	WebResult       = anthropicstandin.WebResult
	Tool            = anthropicstandin.Tool
	ToolUse         = anthropicstandin.ToolUse
	Usage           = anthropicstandin.Usage
)

const (
	AnyRoute                   = anthropicstandin.AnyRoute
	GrantTypeJWTBearer         = anthropicstandin.GrantTypeJWTBearer
	DefaultOAuthClientID       = anthropicstandin.DefaultOAuthClientID
	DefaultOAuthTokenTTL       = anthropicstandin.DefaultOAuthTokenTTL
	OAuthAccountEmail          = anthropicstandin.OAuthAccountEmail
	OAuthOrgName               = anthropicstandin.OAuthOrgName
	RefreshTokenPrefix         = anthropicstandin.RefreshTokenPrefix
	CodeCallbackPath           = anthropicstandin.CodeCallbackPath
	OAuthScopes                = anthropicstandin.OAuthScopes
	GrantTypeAuthorizationCode = anthropicstandin.GrantTypeAuthorizationCode
	GrantTypeRefreshToken      = anthropicstandin.GrantTypeRefreshToken
	DefaultOrgID               = anthropicstandin.DefaultOrgID
	DefaultRuleID              = anthropicstandin.DefaultRuleID
	DefaultAudience            = anthropicstandin.DefaultAudience
	DefaultRuleLifetime        = anthropicstandin.DefaultRuleLifetime
	MinTokenLifetime           = anthropicstandin.MinTokenLifetime
	ClockSkew                  = anthropicstandin.ClockSkew
	MaxAssertionBytes          = anthropicstandin.MaxAssertionBytes
	FederationBeta             = anthropicstandin.FederationBeta
	OAuthBeta                  = anthropicstandin.OAuthBeta
	AccessTokenPrefix          = anthropicstandin.AccessTokenPrefix
	Scope                      = anthropicstandin.Scope
	CacheTTL                   = anthropicstandin.CacheTTL
	WebFetchBeta               = anthropicstandin.WebFetchBeta
	CacheLookback              = anthropicstandin.CacheLookback
	DefaultMinCacheTokens      = anthropicstandin.DefaultMinCacheTokens
)
