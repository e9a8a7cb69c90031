package oauth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
)

// PKCE is one login attempt's proof key (RFC 7636, S256). The verifier is
// secret and used once.
type PKCE struct {
	Verifier  string
	Challenge string
}

// NewPKCE returns a fresh verifier (32 random bytes, 43 characters) and its
// S256 challenge.
func NewPKCE() PKCE {
	v := randomToken(32)
	sum := sha256.Sum256([]byte(v))
	return PKCE{Verifier: v, Challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
}

// NewState returns an unguessable state value.
func NewState() string { return randomToken(32) }

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// AuthCodeURL is the authorize URL for one attempt. code=true asks the
// authorization page to show the code for pasting when the redirect is not
// a loopback listener (it is ignored otherwise).
func (c Config) AuthCodeURL(redirectURI, state string, p PKCE) string {
	q := url.Values{}
	q.Set("code", "true")
	q.Set("client_id", c.ClientID)
	q.Set("response_type", "code")
	q.Set("redirect_uri", redirectURI)
	q.Set("scope", c.Scopes)
	q.Set("code_challenge", p.Challenge)
	q.Set("code_challenge_method", "S256")
	q.Set("state", state)
	sep := "?"
	if u, err := url.Parse(c.AuthorizeURL); err == nil && u.RawQuery != "" {
		sep = "&"
	}
	return c.AuthorizeURL + sep + q.Encode()
}
