package identity

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// acceptedAlgorithms are the ones Anthropic's token endpoint accepts.
var acceptedAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512,
}

// Inspect decodes a compact JWS and returns its header and claims WITHOUT
// verifying the signature: only the token endpoint can do that, so the
// token is decoded once, by hand, which also lets every malformation get
// a precise reason rather than a library error. Any alg is reported as
// found (the findings name unaccepted ones). The error says what is
// malformed and never contains the token.
func Inspect(raw string) (*Claims, error) {
	parts := strings.Split(strings.TrimSpace(raw), ".")
	switch {
	case len(parts) == 5:
		return nil, errors.New("it has five dot-separated parts, like an encrypted JWT (JWE); Anthropic needs a signed JWT with three parts")
	case len(parts) != 3:
		return nil, fmt.Errorf("it has %d dot-separated parts; a JWT has three", len(parts))
	}
	var decoded [3][]byte
	for i, name := range []string{"header", "payload", "signature"} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil, fmt.Errorf("the %s is not base64url", name)
		}
		decoded[i] = b
	}
	var h struct {
		Alg *string `json:"alg"`
		Kid string  `json:"kid"`
	}
	if err := json.Unmarshal(decoded[0], &h); err != nil {
		return nil, errors.New("the header is not a JSON object")
	}
	if h.Alg == nil || *h.Alg == "" {
		return nil, errors.New("the header has no alg")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(decoded[1], &obj); err != nil {
		return nil, errors.New("the payload is not a JSON object")
	}
	var std jwt.Claims
	if err := json.Unmarshal(decoded[1], &std); err != nil {
		return nil, errors.New("the payload is not a JSON object of JWT claims (exp, iat and nbf must be numbers, aud a string or a list of strings)")
	}
	return &Claims{
		Alg:       *h.Alg,
		Kid:       h.Kid,
		Issuer:    std.Issuer,
		Subject:   std.Subject,
		Audience:  []string(std.Audience),
		IssuedAt:  std.IssuedAt.Time(),
		NotBefore: std.NotBefore.Time(),
		Expiry:    std.Expiry.Time(),
		JTI:       std.ID,
	}, nil
}

func (c *Claims) HasAudience(aud string) bool {
	return slices.Contains(c.Audience, aud)
}

// Fingerprint identifies an assertion without revealing it: the hex
// SHA-256 of the trimmed JWT. Safe to store (e.g. to record spent
// assertions) and to compare.
func Fingerprint(raw string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(raw)))
	return hex.EncodeToString(sum[:])
}
