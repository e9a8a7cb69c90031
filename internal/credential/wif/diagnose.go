package wif

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/identity"
)

// fetchesToken reports whether hermes itself requests the identity token
// from source kind (and so --audience applies): not a file, a variable or
// a command, which hand hermes a token someone else requested.
func fetchesToken(kind string) bool {
	switch kind {
	case identity.SourceGitHubActions, identity.SourceGCPMetadata, identity.SourceAzureIMDS:
		return true
	}
	return false
}

// clockSkew is what the token endpoint tolerates on exp, iat and nbf.
const clockSkew = 30 * time.Second

// diagnose401 explains a refused exchange. Every denial is the same opaque
// 401, so the explanation comes from the JWT's own non-secret claims and
// the configuration, ranked by how likely each cause is.
func diagnose401(cfg Config, c *identity.Claims, src identity.Source, now time.Time) []string {
	type cause struct {
		score int
		text  string
	}
	var causes []cause
	add := func(score int, format string, args ...any) {
		causes = append(causes, cause{score, fmt.Sprintf(format, args...)})
	}
	if c == nil {
		add(90, "the identity token from %s could not be read as a JWT", src.Describe())
	} else {
		if !c.Expiry.IsZero() && now.After(c.Expiry.Add(clockSkew)) {
			add(100, "expired: the identity token's exp is %s, %s ago (the server allows %s of clock skew)",
				c.Expiry.UTC().Format(time.RFC3339), now.Sub(c.Expiry).Round(time.Second), clockSkew)
		}
		if !c.IssuedAt.IsZero() && c.IssuedAt.After(now.Add(clockSkew)) || !c.NotBefore.IsZero() && c.NotBefore.After(now.Add(clockSkew)) {
			add(85, "clock skew: the identity token is not valid yet (iat/nbf in the future); check this machine's clock")
		}
		if !slices.Contains(c.Audience, identity.DefaultAudience) {
			how := "set the audience where the token is requested; --audience applies only to tokens hermes fetches"
			if fetchesToken(cfg.Identity.Source) {
				how = "request it with --audience"
			}
			add(80, "audience: the token's aud is %s, but federation rules usually require %s (%s)",
				quoteList(c.Audience), identity.DefaultAudience, how)
		}
		if strings.HasSuffix(c.Issuer, "/") {
			add(70, "issuer: iss %q ends with a slash; the rule's issuer URL is compared byte for byte", c.Issuer)
		}
		if c.JTI != "" && !src.Mints() {
			add(60, "already used: this JWT (jti %s) may have been exchanged by another process or tool sharing %s; an assertion is single-use", c.JTI, src.Describe())
		}
		add(40, "issuer: the rule's issuer must equal the token's iss %q exactly, and its JWKS must hold the key %q", c.Issuer, c.Kid)
		add(30, "subject/claims: the rule's conditions must match the token's sub %q", c.Subject)
	}
	if cfg.WorkspaceID == "" {
		add(50, "workspace: no workspace_id was sent; a rule that enables more than one workspace needs one (--workspace-id wrkspc_… or default)")
	}
	if cfg.ServiceAccountID != "" {
		add(35, "service account: %s must be the rule's target service account", cfg.ServiceAccountID)
	}
	add(20, "configuration: federation rule %s must exist, be enabled and belong to organization %s", cfg.FederationRuleID, cfg.OrganizationID)
	sort.SliceStable(causes, func(i, j int) bool { return causes[i].score > causes[j].score })
	out := make([]string, len(causes))
	for i, c := range causes {
		out[i] = c.text
	}
	return out
}

func quoteList(v []string) string {
	if len(v) == 0 {
		return "empty"
	}
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
