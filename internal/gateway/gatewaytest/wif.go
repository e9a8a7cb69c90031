// Package gatewaytest has test helpers for the gateway and exec tests: a
// WIF token source that exchanges oidctest JWTs at an anthropictest
// stand-in, until the real resolver's source can be used in unit tests.
package gatewaytest

import (
	"context"
	"sync"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// WIFSource exchanges a freshly minted JWT whenever it has no token, and
// drops a token on Invalidate, like the real WIF source.
type WIFSource struct {
	Issuer  *oidctest.Issuer
	BaseURL string

	mu        sync.Mutex
	cur       credential.Token
	exchanges int
}

// Token implements credential.TokenSource.
func (s *WIFSource) Token(ctx context.Context) (credential.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur.Value != "" {
		return s.cur, nil
	}
	creds, err := config.ExchangeFederationAssertion(ctx, config.FederationExchangeParams{
		Assertion:        s.Issuer.Mint(oidctest.Claims{}),
		FederationRuleID: anthropictest.DefaultRuleID,
		OrganizationID:   anthropictest.DefaultOrgID,
		BaseURL:          s.BaseURL,
	})
	if err != nil {
		return credential.Token{}, err
	}
	s.exchanges++
	s.cur = credential.Token{Value: creds.AccessToken}
	if creds.ExpiresAt != nil {
		s.cur.Expiry = *creds.ExpiresAt
	}
	return s.cur, nil
}

// Peek implements credential.Peeker: the held token, never an exchange.
func (s *WIFSource) Peek() (credential.Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur, s.cur.Value != ""
}

// Invalidate implements credential.Invalidator.
func (s *WIFSource) Invalidate(value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur.Value == value {
		s.cur = credential.Token{}
	}
}

// Exchanges is how many exchanges succeeded.
func (s *WIFSource) Exchanges() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exchanges
}

// Runtime is a WIF bearer runtime for the stand-in at baseURL.
func Runtime(iss *oidctest.Issuer, baseURL string) (*credential.Runtime, *WIFSource) {
	src := &WIFSource{Issuer: iss, BaseURL: baseURL}
	return &credential.Runtime{
		BaseURL: baseURL,
		Mode:    credential.ModeBearer,
		Kind:    credential.KindWIF,
		Source:  "anthropic-wif (test issuer)",
		Tokens:  src,
	}, src
}
