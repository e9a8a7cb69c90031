package identity

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestInspectSignedToken(t *testing.T) {
	raw := goodJWT(t)
	c, err := Inspect("  " + raw + "\n")
	if err != nil {
		t.Fatal(err)
	}
	want := Claims{
		Alg:       "RS256",
		Kid:       "key-1",
		Issuer:    "https://token.actions.githubusercontent.com",
		Subject:   "repo:acme/app:ref:refs/heads/main",
		Audience:  []string{DefaultAudience},
		IssuedAt:  testNow.Add(-time.Minute),
		NotBefore: testNow.Add(-time.Minute),
		Expiry:    testNow.Add(4 * time.Minute),
		JTI:       "SENTINEL-JTI-7f3a9c",
	}
	if c.Alg != want.Alg || c.Kid != want.Kid || c.Issuer != want.Issuer || c.Subject != want.Subject ||
		!slices.Equal(c.Audience, want.Audience) || c.JTI != want.JTI ||
		!c.IssuedAt.Equal(want.IssuedAt) || !c.NotBefore.Equal(want.NotBefore) || !c.Expiry.Equal(want.Expiry) {
		t.Errorf("Inspect = %+v\nwant      %+v", *c, want)
	}
	if !c.HasAudience(DefaultAudience) || c.HasAudience("other") {
		t.Errorf("HasAudience wrong for %v", c.Audience)
	}
}

func TestInspectAudienceArrayAndFractionalDates(t *testing.T) {
	raw := signJWT(t, jose.ES256, "ec", claimsWith(map[string]any{
		"aud": []string{"sts.amazonaws.com", DefaultAudience},
		"exp": float64(testNow.Unix()) + 0.5,
	}))
	c, err := Inspect(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.Alg != "ES256" || !slices.Equal(c.Audience, []string{"sts.amazonaws.com", DefaultAudience}) {
		t.Errorf("got alg %q aud %v", c.Alg, c.Audience)
	}
	if !c.Expiry.Equal(testNow) {
		t.Errorf("exp = %v, want %v", c.Expiry, testNow)
	}
}

// Inspect reports algorithms it would never trust, so findings can name them.
func TestInspectReportsRefusedAlgorithms(t *testing.T) {
	for _, tc := range []struct{ name, raw, alg string }{
		{"none", craftJWT(t, map[string]any{"alg": "none"}, goodClaims(), ""), "none"},
		{"hs256", signJWT(t, jose.HS256, "", goodClaims()), "HS256"},
		{"eddsa", signJWT(t, jose.EdDSA, "k", goodClaims()), "EdDSA"},
		{"made-up", craftJWT(t, map[string]any{"alg": "XY999"}, goodClaims(), "c2ln"), "XY999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Inspect(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if c.Alg != tc.alg {
				t.Errorf("alg = %q, want %q", c.Alg, tc.alg)
			}
		})
	}
}

func TestInspectMalformed(t *testing.T) {
	b64 := base64.RawURLEncoding.EncodeToString
	good := goodJWT(t)
	parts := strings.Split(good, ".")
	for _, tc := range []struct{ name, raw, want string }{
		{"one part", "SENTINELSENTINELSENTINEL", "1 dot-separated parts"},
		{"two parts", parts[0] + "." + parts[1], "2 dot-separated parts"},
		{"jwe", good + ".abc.def", "encrypted JWT (JWE)"},
		{"header not base64", "!!!!." + parts[1] + "." + parts[2], "header is not base64url"},
		{"payload not base64", parts[0] + ".%%%%." + parts[2], "payload is not base64url"},
		{"signature not base64", parts[0] + "." + parts[1] + ".a+b/", "signature is not base64url"},
		{"header not json", b64([]byte("SENTINEL not json")) + "." + parts[1] + "." + parts[2], "header is not a JSON object"},
		{"header without alg", craftJWT(t, map[string]any{"kid": "k"}, goodClaims(), "c2ln"), "header has no alg"},
		{"payload not json", parts[0] + "." + b64([]byte("SENTINEL")) + "." + parts[2], "payload is not a JSON object"},
		{"exp not a number", craftJWT(t, map[string]any{"alg": "RS256"}, claimsWith(map[string]any{"exp": "tomorrow"}), "c2ln"), "exp, iat and nbf must be numbers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Inspect(tc.raw)
			if err == nil {
				t.Fatal("Inspect accepted a malformed token")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			assertNoSecret(t, err, tc.raw, good)
			if strings.Contains(err.Error(), "SENTINEL") {
				t.Errorf("error echoes the input: %v", err)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	a, b := goodJWT(t), signJWT(t, jose.RS256, "key-1", claimsWith(map[string]any{"jti": "other"}))
	fa := Fingerprint(a)
	if len(fa) != 64 || strings.Trim(fa, "0123456789abcdef") != "" {
		t.Errorf("fingerprint %q is not hex sha256", fa)
	}
	if Fingerprint(" "+a+"\n") != fa {
		t.Error("fingerprint depends on surrounding whitespace")
	}
	if Fingerprint(b) == fa {
		t.Error("two tokens share a fingerprint")
	}
	if strings.Contains(a, fa) {
		t.Error("fingerprint is part of the token")
	}
}
