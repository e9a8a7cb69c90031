package wif

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/hermes-agent/hermes/internal/identity"
)

// Config is everything one federation exchange depends on. Whatever its
// origin (auth.json, the SDK variables, an SDK profile) it becomes this.
type Config struct {
	FederationRuleID string
	OrganizationID   string
	ServiceAccountID string
	WorkspaceID      string
	// BaseURL is the resolved API base URL the token is exchanged at and
	// used against (--base-url and ANTHROPIC_BASE_URL already applied).
	BaseURL  string
	Identity identity.Config
}

// Key identifies the tokens this configuration may share: a change of
// rule, organization, service account, workspace, base URL or token source
// gives another key, so a token is never reused across them. It is the
// sha256 of a canonical, versioned, NUL-separated tuple.
func (c Config) Key() string {
	fields := []string{
		"hermes-wif-cache-v1",
		c.FederationRuleID,
		c.OrganizationID,
		c.ServiceAccountID,
		c.WorkspaceID,
		strings.TrimRight(c.BaseURL, "/"),
		c.Identity.Source,
		c.Identity.Path,
		c.Identity.Env,
		c.Identity.Audience,
		c.Identity.Command,
	}
	sum := sha256.Sum256([]byte(strings.Join(fields, "\x00")))
	return hex.EncodeToString(sum[:])
}

// identityOf names whom an assertion speaks for: the sha256 of its
// issuer, subject and audience (sorted), never the JWT. A cached token is
// used only for the identity it was exchanged for (with Key, the cache's
// key): a rotated JWT of the same identity reuses it, another identity
// gets its own exchange. "" when raw cannot be read as a JWT.
func identityOf(raw string) string {
	c, err := identity.Inspect(raw)
	if err != nil {
		return ""
	}
	aud := slices.Clone(c.Audience)
	slices.Sort(aud)
	b, _ := json.Marshal([]any{"hermes-wif-identity-v1", c.Issuer, c.Subject, aud})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
