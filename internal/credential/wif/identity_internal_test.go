package wif

import (
	"testing"

	"github.com/hermes-agent/hermes/internal/oidctest"
)

// The identity a cached token is kept for is the assertion's issuer,
// subject and audience: a new jti or exp is the same identity, a change of
// any of the three is another.
func TestIdentityOf(t *testing.T) {
	iss, err := oidctest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	base := oidctest.Claims{Subject: "repo:acme/app", Audience: []string{"https://api.anthropic.com", "b"}}
	id := identityOf(iss.Mint(base))
	if id == "" {
		t.Fatal("no identity for a JWT")
	}
	same := base
	same.JTI, same.Audience = "another-jti", []string{"b", "https://api.anthropic.com"}
	if identityOf(iss.Mint(same)) != id {
		t.Error("a rotated JWT of the same identity (new jti, audience order) has another identity")
	}
	for name, c := range map[string]oidctest.Claims{
		"iss": {Subject: base.Subject, Audience: base.Audience, Issuer: "https://other.example"},
		"sub": {Subject: "repo:acme/other", Audience: base.Audience},
		"aud": {Subject: base.Subject, Audience: []string{"https://api.anthropic.com"}},
	} {
		if identityOf(iss.Mint(c)) == id {
			t.Errorf("another %s gives the same identity", name)
		}
	}
	if identityOf("not a jwt") != "" {
		t.Error("identityOf of garbage is not empty")
	}
}
