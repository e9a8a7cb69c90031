package oidctest_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/hermes-agent/hermes/internal/oidctest"
)

func get(t *testing.T, url string, header map[string]string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// keySet fetches the JWKS the way a relying party does: via discovery.
func keySet(t *testing.T, iss *oidctest.Issuer) jose.JSONWebKeySet {
	t.Helper()
	_, b := get(t, iss.URL+"/.well-known/openid-configuration", nil)
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(b, &disc); err != nil {
		t.Fatal(err)
	}
	if disc.Issuer != iss.URL {
		t.Fatalf("discovery issuer = %q, want %q", disc.Issuer, iss.URL)
	}
	_, b = get(t, disc.JWKSURI, nil)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	return set
}

// verify checks the signature against the issuer's JWKS and returns the claims.
func verify(t *testing.T, iss *oidctest.Issuer, jwt string) (map[string]any, error) {
	t.Helper()
	set := keySet(t, iss)
	sig, err := jose.ParseSignedCompact(jwt, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, err
	}
	keys := set.Key(sig.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		return nil, errNoKey
	}
	payload, err := sig.Verify(keys[0])
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	return claims, json.Unmarshal(payload, &claims)
}

type stringErr string

func (e stringErr) Error() string { return string(e) }

const errNoKey = stringErr("kid not in JWKS")

// unverified decodes header and claims without checking anything.
func unverified(t *testing.T, jwt string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("JWT has %d parts", len(parts))
	}
	dec := func(s string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	return dec(parts[0]), dec(parts[1])
}

func TestMintDefaultsVerifyAgainstJWKS(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	iss := oidctest.New(t, oidctest.WithClock(func() time.Time { return now }))
	claims, err := verify(t, iss, iss.Mint(oidctest.Claims{}))
	if err != nil {
		t.Fatalf("minted JWT does not verify: %v", err)
	}
	want := map[string]any{
		"iss": iss.URL, "sub": oidctest.DefaultSubject, "aud": oidctest.DefaultAudience,
		"iat": float64(now.Unix()), "exp": float64(now.Add(oidctest.DefaultTTL).Unix()),
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	if jti, _ := claims["jti"].(string); jti == "" {
		t.Error("no jti")
	}
	if iss.Minted() != 1 {
		t.Errorf("Minted = %d, want 1", iss.Minted())
	}
}

func TestMintChosenClaims(t *testing.T) {
	iss := oidctest.New(t)
	at := time.Unix(1_700_000_000, 0)
	jwt := iss.Mint(oidctest.Claims{
		Issuer: "https://other", Subject: "s", Audience: []string{"a", "b"}, IssuedAt: at, TTL: time.Minute,
		JTI: "j1", Extra: map[string]any{"nbf": nil, "custom": "x"},
	})
	_, c := unverified(t, jwt)
	if c["iss"] != "https://other" || c["sub"] != "s" || c["jti"] != "j1" || c["custom"] != "x" {
		t.Errorf("claims = %v", c)
	}
	if aud, _ := c["aud"].([]any); len(aud) != 2 {
		t.Errorf("aud = %v, want two audiences", c["aud"])
	}
	if c["exp"] != float64(at.Add(time.Minute).Unix()) {
		t.Errorf("exp = %v", c["exp"])
	}
	if _, ok := c["nbf"]; ok {
		t.Error("Extra nil did not remove nbf")
	}
	if a, b := iss.Mint(oidctest.Claims{}), iss.Mint(oidctest.Claims{}); a == b {
		t.Error("two mints gave the same JWT (jti should be random)")
	}
}

func TestMintBroken(t *testing.T) {
	iss := oidctest.New(t)
	for _, kind := range oidctest.BrokenKinds() {
		t.Run(kind.String(), func(t *testing.T) {
			jwt := iss.MintBroken(kind, oidctest.Claims{})
			if got, ok := oidctest.ParseBroken(kind.String()); !ok || got != kind {
				t.Errorf("ParseBroken(%q) = %v, %v", kind, got, ok)
			}
			h, c := unverified(t, jwt)
			_, verr := verify(t, iss, jwt)
			signatureOK := verr == nil
			switch kind {
			case oidctest.AlgNone, oidctest.HS256, oidctest.UnknownKid, oidctest.BadSignature, oidctest.NoKid:
				if signatureOK {
					t.Fatalf("%s verifies against the JWKS", kind)
				}
			default:
				if !signatureOK {
					t.Fatalf("%s should be validly signed: %v", kind, verr)
				}
			}
			switch kind {
			case oidctest.Expired:
				if int64(c["exp"].(float64)) > time.Now().Add(-30*time.Minute).Unix() {
					t.Error("not expired beyond skew")
				}
			case oidctest.WrongAudience:
				if c["aud"] == oidctest.DefaultAudience {
					t.Error("aud unchanged")
				}
			case oidctest.WrongIssuer:
				if c["iss"] == iss.URL {
					t.Error("iss unchanged")
				}
			case oidctest.AlgNone:
				if h["alg"] != "none" || !strings.HasSuffix(jwt, ".") {
					t.Errorf("alg none token: header %v", h)
				}
			case oidctest.HS256:
				if h["alg"] != "HS256" {
					t.Errorf("alg = %v", h["alg"])
				}
			case oidctest.MissingExp, oidctest.MissingIat, oidctest.MissingSub:
				name := map[oidctest.Broken]string{oidctest.MissingExp: "exp", oidctest.MissingIat: "iat", oidctest.MissingSub: "sub"}[kind]
				if _, ok := c[name]; ok {
					t.Errorf("%s present", name)
				}
			case oidctest.Oversized:
				if len(jwt) <= 16<<10 {
					t.Errorf("oversized JWT is %d bytes", len(jwt))
				}
			case oidctest.NoKid:
				if _, ok := h["kid"]; ok {
					t.Error("kid present")
				}
			}
		})
	}
}

func TestGitHubActionsEndpoint(t *testing.T) {
	iss := oidctest.New(t)
	reqURL, reqTok := iss.GitHubActions()
	if !strings.Contains(reqURL, "?") {
		t.Fatalf("request URL %q has no query string", reqURL)
	}
	status, body := get(t, reqURL+"&audience=https://api.anthropic.com", map[string]string{"Authorization": "bearer " + reqTok})
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var resp struct{ Value string }
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	claims, err := verify(t, iss, resp.Value)
	if err != nil || claims["aud"] != "https://api.anthropic.com" {
		t.Fatalf("claims %v, err %v", claims, err)
	}
	_, body2 := get(t, reqURL+"&audience=https://api.anthropic.com", map[string]string{"Authorization": "bearer " + reqTok})
	if strings.Contains(string(body2), resp.Value) {
		t.Error("second call returned the same JWT")
	}
	if status, _ := get(t, reqURL+"&audience=x", map[string]string{"Authorization": "bearer wrong"}); status != http.StatusUnauthorized {
		t.Errorf("wrong request token: status %d, want 401", status)
	}
	if iss.Minted() != 2 {
		t.Errorf("Minted = %d, want 2", iss.Minted())
	}
	reqs := iss.EndpointRequests()
	if len(reqs) != 3 || reqs[2].Status != http.StatusUnauthorized || reqs[0].Route != "github-actions" {
		t.Errorf("endpoint requests = %+v", reqs)
	}
}

func TestGCPMetadataEndpoint(t *testing.T) {
	iss := oidctest.New(t)
	url := "http://" + iss.GCEMetadataHost() + "/computeMetadata/v1/instance/service-accounts/default/identity?audience=aud1&format=full"
	status, body := get(t, url, map[string]string{"Metadata-Flavor": "Google"})
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	claims, err := verify(t, iss, string(body))
	if err != nil || claims["aud"] != "aud1" || claims["sub"] != oidctest.GCPSubject {
		t.Fatalf("claims %v, err %v", claims, err)
	}
	if status, _ := get(t, url, nil); status != http.StatusForbidden {
		t.Errorf("without Metadata-Flavor: status %d, want 403", status)
	}
	if status, _ := get(t, strings.Split(url, "?")[0], map[string]string{"Metadata-Flavor": "Google"}); status != http.StatusBadRequest {
		t.Errorf("without audience: status %d, want 400", status)
	}
}

func TestAzureIMDSEndpoint(t *testing.T) {
	iss := oidctest.New(t)
	url := iss.AzureIMDSEndpoint() + "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://api.anthropic.com"
	status, body := get(t, url, map[string]string{"Metadata": "true"})
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var resp map[string]any
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	if resp["token_type"] != "Bearer" || resp["resource"] != "https://api.anthropic.com" {
		t.Errorf("response = %v", resp)
	}
	if _, ok := resp["expires_in"].(string); !ok {
		t.Errorf("expires_in should be a string, like IMDS: %v", resp["expires_in"])
	}
	claims, err := verify(t, iss, resp["access_token"].(string))
	if err != nil || claims["sub"] != oidctest.AzureSubject {
		t.Fatalf("claims %v, err %v", claims, err)
	}
	if status, _ := get(t, url, nil); status != http.StatusBadRequest {
		t.Errorf("without Metadata header: status %d, want 400", status)
	}
}

func TestStartClose(t *testing.T) {
	iss, err := oidctest.Start(oidctest.WithKeyID("k1"), oidctest.WithRequestToken("rt"))
	if err != nil {
		t.Fatal(err)
	}
	if _, tok := iss.GitHubActions(); tok != "rt" || iss.KeyID() != "k1" {
		t.Errorf("options not applied")
	}
	iss.Close()
	iss.Close()
	if _, err := http.Get(iss.URL + "/.well-known/jwks"); err == nil {
		t.Error("issuer still serving after Close")
	}
}
