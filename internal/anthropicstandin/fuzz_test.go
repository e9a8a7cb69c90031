package anthropicstandin

import (
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/hermes-agent/hermes/internal/oidcstandin"
)

// FuzzParseAssertion feeds arbitrary assertions to the server-side JWT
// parsing and verification. Nothing may panic, and only a JWT that the
// issuer really signed may pass the signature check.
//
// CI: go test -run='^$' -fuzz=FuzzParseAssertion -fuzztime=10s ./internal/anthropicstandin
func FuzzParseAssertion(f *testing.F) {
	iss, err := oidcstandin.Start(oidcstandin.WithKeyID("fuzz-kid"))
	if err != nil {
		f.Fatal(err)
	}
	defer iss.Close()
	srv, err := Start(Config{Issuer: iss})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	keys, err := srv.fetchKeys(iss.URL)
	if err != nil {
		f.Fatal(err)
	}
	rule := srv.cfg.Rules[0]

	valid := iss.Mint(oidcstandin.Claims{})
	f.Add(valid)
	for _, k := range oidcstandin.BrokenKinds() {
		f.Add(iss.MintBroken(k, oidcstandin.Claims{}))
	}
	f.Add(iss.Mint(oidcstandin.Claims{Audience: []string{"a", "https://api.anthropic.com"}, Extra: map[string]any{"exp": 1.5e9, "nbf": nil}}))
	f.Add(iss.Mint(oidcstandin.Claims{Extra: map[string]any{"aud": 5, "iat": "yesterday"}}))
	for _, s := range []string{"", ".", "..", "a.b.c", "eyJ.eyJ.", "e30.e30.", "e30.e30.e30.e30", strings.Repeat("A", 100),
		"eyJhbGciOiJSUzI1NiJ9.bnVsbA.x", "eyJhbGciOiJub25lIn0.eyJleHAiOjFlMzAwfQ."} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, tok string) {
		a, d := parseAssertion(tok)
		if (a == nil) == (d == nil) {
			t.Fatalf("parseAssertion returned %v and %v", a, d)
		}
		if d != nil {
			if d.reason != "malformed_jwt" || strings.Contains(d.detail, tok) && len(tok) > 8 {
				t.Fatalf("denial %q leaks or misnames: %q", d.reason, d.detail)
			}
			return
		}
		if d := verifySignature(tok, a, keys); d == nil {
			// Only the issuer's key signs: a passing token must verify
			// independently with go-jose too.
			jws, err := jose.ParseSignedCompact(tok, allowedAlgs)
			if err != nil {
				t.Fatalf("verified but go-jose cannot parse: %v", err)
			}
			if _, err := jws.Verify(keys.Keys[0].Key); err != nil {
				t.Fatalf("verified but signature invalid: %v", err)
			}
		}
		_ = checkClaims(a, rule, time.Now())
	})
}
