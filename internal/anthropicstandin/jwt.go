package anthropicstandin

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// allowedAlgs are the only algorithms the token endpoint accepts: RS, PS, ES.
var allowedAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512, jose.ES256, jose.ES384, jose.ES512,
}

// assertion is a JWT decoded without trusting it.
type assertion struct {
	Alg, Kid  string
	Issuer    string
	Subject   string
	Audience  []string
	IssuedAt  *time.Time
	Expiry    *time.Time
	NotBefore *time.Time
	JTI       string
}

// denial is why an exchange is refused; reason is what Exchanges() reports.
type denial struct {
	status int
	reason string
	detail string // for the 400 message; never contains the assertion
}

func (d *denial) Error() string { return d.reason + ": " + d.detail }

func deny(reason, format string, args ...any) *denial {
	return &denial{status: http.StatusUnauthorized, reason: reason, detail: fmt.Sprintf(format, args...)}
}

// parseAssertion decodes a compact JWS's header and claims without
// verifying anything but their shape. It is the fuzzed entry point: it must
// never panic, whatever the input.
func parseAssertion(tok string) (*assertion, *denial) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, deny("malformed_jwt", "want 3 dot-separated parts, got %d", len(parts))
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, deny("malformed_jwt", "header: %v", err)
	}
	var raw map[string]json.RawMessage
	if err := decodeSegment(parts[1], &raw); err != nil {
		return nil, deny("malformed_jwt", "payload: %v", err)
	}
	a := &assertion{Alg: header.Alg, Kid: header.Kid}
	var err error
	if a.Issuer, err = stringClaim(raw, "iss"); err == nil {
		if a.Subject, err = stringClaim(raw, "sub"); err == nil {
			a.JTI, err = stringClaim(raw, "jti")
		}
	}
	if err == nil {
		a.Audience, err = audienceClaim(raw["aud"])
	}
	for _, d := range []struct {
		name string
		dst  **time.Time
	}{{"iat", &a.IssuedAt}, {"exp", &a.Expiry}, {"nbf", &a.NotBefore}} {
		if err == nil {
			*d.dst, err = timeClaim(raw, d.name)
		}
	}
	if err != nil {
		return nil, deny("malformed_jwt", "%v", err)
	}
	return a, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		return errors.New("not base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return errors.New("not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after JSON object")
	}
	return nil
}

func stringClaim(raw map[string]json.RawMessage, name string) (string, error) {
	v, ok := raw[name]
	if !ok || string(v) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("claim %s is not a string", name)
	}
	return s, nil
}

// audienceClaim accepts a string or an array of strings (RFC 7519 §4.1.3).
func audienceClaim(v json.RawMessage) ([]string, error) {
	if len(v) == 0 || string(v) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(v, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(v, &many); err != nil {
		return nil, errors.New("claim aud is neither a string nor an array of strings")
	}
	return many, nil
}

// timeClaim reads a NumericDate: seconds since the epoch, possibly fractional.
func timeClaim(raw map[string]json.RawMessage, name string) (*time.Time, error) {
	v, ok := raw[name]
	if !ok || string(v) == "null" {
		return nil, nil
	}
	var f float64
	if err := json.Unmarshal(v, &f); err != nil || math.IsNaN(f) || math.Abs(f) > 1e11 {
		return nil, fmt.Errorf("claim %s is not a NumericDate", name)
	}
	sec, frac := math.Modf(f)
	t := time.Unix(int64(sec), int64(frac*1e9))
	return &t, nil
}

// checkAlg refuses anything but RS/PS/ES before a key is even looked up.
func checkAlg(alg string) *denial {
	for _, a := range allowedAlgs {
		if string(a) == alg {
			return nil
		}
	}
	return deny("bad_alg", "alg %q is not RS*, PS* or ES*", alg)
}

// verifySignature checks tok against the key named by kid in keys.
func verifySignature(tok string, a *assertion, keys *jose.JSONWebKeySet) *denial {
	if d := checkAlg(a.Alg); d != nil {
		return d
	}
	if a.Kid == "" {
		return deny("unknown_kid", "JWT header has no kid")
	}
	found := keys.Key(a.Kid)
	if len(found) == 0 {
		return deny("unknown_kid", "kid %q is not in the issuer's JWKS", a.Kid)
	}
	jws, err := jose.ParseSignedCompact(tok, allowedAlgs)
	if err != nil {
		return deny("malformed_jwt", "not a compact JWS")
	}
	for _, k := range found {
		if _, err := jws.Verify(k.Key); err == nil {
			return nil
		}
	}
	return deny("bad_signature", "signature does not verify with kid %q", a.Kid)
}

// checkClaims applies the rule and the clock to a verified assertion.
func checkClaims(a *assertion, rule Rule, now time.Time) *denial {
	switch {
	case a.Subject == "":
		return deny("missing_claim", "sub is missing")
	case a.IssuedAt == nil:
		return deny("missing_claim", "iat is missing")
	case a.Expiry == nil:
		return deny("missing_claim", "exp is missing")
	case a.Issuer != rule.Issuer:
		return deny("wrong_issuer", "iss does not match the rule's issuer")
	case !now.Before(a.Expiry.Add(ClockSkew)):
		return deny("expired", "exp is past (with %s skew)", ClockSkew)
	case a.IssuedAt.After(now.Add(ClockSkew)):
		return deny("iat_in_future", "iat is in the future")
	case a.NotBefore != nil && a.NotBefore.After(now.Add(ClockSkew)):
		return deny("not_yet_valid", "nbf is in the future")
	}
	for _, aud := range a.Audience {
		if aud == rule.Audience {
			return nil
		}
	}
	return deny("wrong_audience", "aud does not contain the rule's audience")
}

// fetchKeys reads an issuer's JWKS through its discovery document, as a
// relying party does, so key rotation on the issuer takes effect at once.
func (s *Server) fetchKeys(issuer string) (*jose.JSONWebKeySet, error) {
	var disc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := s.getJSON(strings.TrimRight(issuer, "/")+"/.well-known/openid-configuration", &disc); err != nil {
		return nil, err
	}
	if disc.JWKSURI == "" {
		return nil, errors.New("discovery document has no jwks_uri")
	}
	var set jose.JSONWebKeySet
	if err := s.getJSON(disc.JWKSURI, &set); err != nil {
		return nil, err
	}
	return &set, nil
}

func (s *Server) getJSON(url string, v any) error {
	resp, err := s.client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}
