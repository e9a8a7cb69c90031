// Package authstore reads and writes HERMES_HOME/auth.json: the provider
// state (the WIF configuration) and the credential pool. Exchanged WIF
// tokens are never stored here.
package authstore

import (
	"encoding/json"
	"time"

	"github.com/hermes-agent/hermes/internal/identity"
)

// FileVersion is the auth.json format version this build writes.
const FileVersion = 1

// ProviderAnthropic is the only provider today.
const ProviderAnthropic = "anthropic"

// WIFTarget is the name the WIF configuration goes by in list, remove and
// --credential.
const WIFTarget = "anthropic-wif"

// Auth types of pool entries.
const (
	AuthTypeAPIKey = "api_key"
	AuthTypeOAuth  = "oauth"
)

// File is the whole of auth.json.
type File struct {
	Version        int                  `json:"version"`
	Providers      map[string]*Provider `json:"providers"`
	CredentialPool map[string][]Entry   `json:"credential_pool"`

	// Extra keeps top-level fields this build does not know, so that a
	// rewrite by an older hermes does not damage a newer file.
	Extra map[string]json.RawMessage `json:"-"`
}

// Provider is one provider's state.
type Provider struct {
	WIF *WIF `json:"wif,omitempty"`

	// Extra keeps provider fields this build does not know.
	Extra map[string]json.RawMessage `json:"-"`
}

// WIF is the Workload Identity Federation configuration: how to get an
// identity token and what to exchange it for. Never a token.
type WIF struct {
	FederationRuleID string          `json:"federation_rule_id"`
	OrganizationID   string          `json:"organization_id"`
	ServiceAccountID string          `json:"service_account_id,omitempty"`
	WorkspaceID      string          `json:"workspace_id,omitempty"`
	BaseURL          string          `json:"base_url,omitempty"`
	IdentityToken    identity.Config `json:"identity_token"`
	Label            string          `json:"label,omitempty"`
	AddedAt          time.Time       `json:"added_at"`
}

// Entry is one pooled credential (API key or OAuth login).
type Entry struct {
	ID           string `json:"id"`
	Label        string `json:"label,omitempty"`
	AuthType     string `json:"auth_type"` // AuthTypeAPIKey | AuthTypeOAuth
	Source       string `json:"source"`    // how it was added: "flag", "prompt", "stdin", "oauth"
	Priority     int    `json:"priority"`  // lower is tried first; ties by AddedAt
	APIKey       string `json:"api_key,omitempty"`
	AccessToken  string `json:"access_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresAtMs  int64  `json:"expires_at_ms,omitempty"`
	// ObtainedAtMs is when the access token was obtained: with ExpiresAtMs,
	// its lifetime, which scales the refresh-ahead margin. Entries written
	// before it existed lack it and keep the 2-minute margin.
	ObtainedAtMs int64     `json:"obtained_at_ms,omitempty"`
	BaseURL      string    `json:"base_url,omitempty"`
	AddedAt      time.Time `json:"added_at"`

	// OAuth logins: where the pair is refreshed and whose it is.
	ClientID string `json:"client_id,omitempty"`
	TokenURL string `json:"token_url,omitempty"`
	Scopes   string `json:"scopes,omitempty"`
	Account  string `json:"account,omitempty"` // the account's email, when the login said
	// NeedsLogin, when set, says why the login can no longer be refreshed
	// (the token endpoint refused its refresh token): the resolver skips
	// the entry until a new login replaces it.
	NeedsLogin string `json:"needs_login,omitempty"`
	// File, for a login used in place (Claude Code's, an SDK profile's),
	// is the file that holds its pair; the entry itself holds no token.
	File string `json:"file,omitempty"`
	// Profile names the SDK profile a login used in place belongs to
	// (Source SourceSDKProfile).
	Profile string `json:"profile,omitempty"`

	// Extra keeps entry fields this build does not know.
	Extra map[string]json.RawMessage `json:"-"`
}

// SourceClaudeCode marks an entry that uses Claude Code's login in place.
const SourceClaudeCode = "claude-code"

// SourceSDKProfile marks an entry that uses an SDK profile's login in place.
const SourceSDKProfile = "sdk-profile"

// InPlace reports whether the entry's tokens live in another program's
// file (Claude Code's) rather than in auth.json.
func (e Entry) InPlace() bool { return e.File != "" }

// Secret is the entry's credential value.
func (e Entry) Secret() string {
	if e.AuthType == AuthTypeOAuth {
		return e.AccessToken
	}
	return e.APIKey
}
