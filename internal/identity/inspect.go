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

// reportedAlgorithms are parsed so that they can be named in a finding,
// never trusted: Inspect does not verify signatures.
var reportedAlgorithms = append(slices.Clone(acceptedAlgorithms),
	jose.EdDSA, jose.HS256, jose.HS384, jose.HS512, "none")

// Inspect parses a compact JWS and returns its header and claims WITHOUT
// verifying the signature: only the token endpoint can do that. The error
// says what is malformed and never contains the token.
func Inspect(raw string) (*Claims, error) {
	raw = strings.TrimSpace(raw)
	alg, err := peekAlgorithm(raw)
	if err != nil {
		return nil, err
	}
	// go-jose refuses algorithms not in the list; an unknown one is
	// appended so the token still parses and the finding can name it.
	algs := reportedAlgorithms
	if !slices.Contains(algs, jose.SignatureAlgorithm(alg)) {
		algs = append(slices.Clone(algs), jose.SignatureAlgorithm(alg))
	}
	tok, err := jwt.ParseSigned(raw, algs)
	if err != nil {
		return nil, fmt.Errorf("not a valid JWS: %s", redactOutside(err.Error(), raw))
	}
	var std jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&std); err != nil {
		return nil, errors.New("the payload is not a JSON object of JWT claims (exp, iat and nbf must be numbers, aud a string or a list of strings)")
	}
	h := tok.Headers[0]
	return &Claims{
		Alg:       h.Algorithm,
		Kid:       h.KeyID,
		Issuer:    std.Issuer,
		Subject:   std.Subject,
		Audience:  []string(std.Audience),
		IssuedAt:  std.IssuedAt.Time(),
		NotBefore: std.NotBefore.Time(),
		Expiry:    std.Expiry.Time(),
		JTI:       std.ID,
	}, nil
}

// peekAlgorithm checks the compact shape and reads the header's alg, so
// that a malformed token gets a precise reason rather than a library error.
func peekAlgorithm(raw string) (string, error) {
	parts := strings.Split(raw, ".")
	switch {
	case len(parts) == 5:
		return "", errors.New("it has five dot-separated parts, like an encrypted JWT (JWE); Anthropic needs a signed JWT with three parts")
	case len(parts) != 3:
		return "", fmt.Errorf("it has %d dot-separated parts; a JWT has three", len(parts))
	}
	var decoded [3][]byte
	for i, name := range []string{"header", "payload", "signature"} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return "", fmt.Errorf("the %s is not base64url", name)
		}
		decoded[i] = b
	}
	hdr := decoded[0]
	var h struct {
		Alg *string `json:"alg"`
	}
	if err := json.Unmarshal(hdr, &h); err != nil {
		return "", errors.New("the header is not a JSON object")
	}
	if h.Alg == nil || *h.Alg == "" {
		return "", errors.New("the header has no alg")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(decoded[1], &obj); err != nil {
		return "", errors.New("the payload is not a JSON object")
	}
	return *h.Alg, nil
}

// HasAudience reports whether aud is one of the token's audiences.
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
