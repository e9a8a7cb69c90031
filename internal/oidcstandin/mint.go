package oidcstandin

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// Claims are the claims of a JWT to mint. Zero fields take defaults.
type Claims struct {
	Issuer   string        // default: the issuer's URL
	Subject  string        // default: DefaultSubject
	Audience []string      // default: [DefaultAudience]; one audience is encoded as a string, like GitHub does
	IssuedAt time.Time     // default: now (the issuer's clock)
	TTL      time.Duration // exp = IssuedAt + TTL; default DefaultTTL; negative gives an already expired JWT
	JTI      string        // default: random
	// Extra claims are added last and may override the ones above; a nil
	// value removes that claim (e.g. Extra: {"iat": nil}).
	Extra map[string]any
}

// Broken names a way to mint a JWT that a careful server must refuse.
type Broken int

const (
	Expired       Broken = iota + 1 // exp an hour ago (well past any clock skew)
	WrongAudience                   // aud "https://wrong-audience.example"
	AlgNone                         // header alg "none", empty signature
	HS256                           // HMAC-signed with the RSA public key bytes as secret (the classic confusion attack)
	MissingExp
	MissingIat
	MissingSub
	Oversized    // a valid signature over a payload padded past 16 KiB
	UnknownKid   // signed with a key whose kid is not in the JWKS
	BadSignature // the signature of a different payload
	WrongIssuer  // iss is not the issuer's URL (but signed with its key)
	NoKid        // header without kid
)

var brokenNames = map[Broken]string{
	Expired: "expired", WrongAudience: "wrong-audience", AlgNone: "alg-none", HS256: "hs256",
	MissingExp: "missing-exp", MissingIat: "missing-iat", MissingSub: "missing-sub",
	Oversized: "oversized", UnknownKid: "unknown-kid", BadSignature: "bad-signature",
	WrongIssuer: "wrong-issuer", NoKid: "no-kid",
}

// String is the kind's name as ParseBroken accepts it ("alg-none").
func (b Broken) String() string {
	if s, ok := brokenNames[b]; ok {
		return s
	}
	return "broken(?)"
}

// ParseBroken turns a name such as "expired" or "alg-none" (case and "-"/"_"
// insensitive) into a Broken kind.
func ParseBroken(name string) (Broken, bool) {
	norm := func(s string) string { return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s)) }
	for b, s := range brokenNames {
		if norm(s) == norm(name) {
			return b, true
		}
	}
	return 0, false
}

// BrokenKinds lists every Broken kind, for table tests.
func BrokenKinds() []Broken {
	return []Broken{Expired, WrongAudience, AlgNone, HS256, MissingExp, MissingIat, MissingSub,
		Oversized, UnknownKid, BadSignature, WrongIssuer, NoKid}
}

// Mint returns a fresh RS256 JWT signed by the issuer's key.
func (i *Issuer) Mint(c Claims) string {
	i.minted.Add(1)
	return i.sign(i.header("RS256", i.KeyID()), i.payload(c))
}

// MintBroken returns a JWT with one defect of the given kind, the rest of it
// valid and built from c.
func (i *Issuer) MintBroken(kind Broken, c Claims) string {
	i.minted.Add(1)
	p := i.payload(c)
	h := i.header("RS256", i.KeyID())
	switch kind {
	case Expired:
		p["iat"] = i.now().Add(-2 * time.Hour).Unix()
		p["exp"] = i.now().Add(-time.Hour).Unix()
	case WrongAudience:
		p["aud"] = "https://wrong-audience.example"
	case WrongIssuer:
		p["iss"] = "https://wrong-issuer.example"
	case MissingExp:
		delete(p, "exp")
	case MissingIat:
		delete(p, "iat")
	case MissingSub:
		delete(p, "sub")
	case Oversized:
		p["padding"] = strings.Repeat("x", 17<<10)
	case AlgNone:
		return encodeSegment(i.header("none", i.KeyID())) + "." + encodeSegment(p) + "."
	case HS256:
		h = i.header("HS256", i.KeyID())
		signing := encodeSegment(h) + "." + encodeSegment(p)
		mac := hmac.New(sha256.New, i.publicKeyBytes())
		mac.Write([]byte(signing))
		return signing + "." + b64(mac.Sum(nil))
	case UnknownKid:
		h = i.header("RS256", "unknown-"+randomHex(4))
	case NoKid:
		h = map[string]any{"alg": "RS256", "typ": "JWT"}
	case BadSignature:
		other := i.payload(c)
		other["sub"] = "someone-else"
		good := i.sign(h, p)
		forged := i.sign(h, other)
		return good[:strings.LastIndexByte(good, '.')] + forged[strings.LastIndexByte(forged, '.'):]
	}
	return i.sign(h, p)
}

func (i *Issuer) header(alg, kid string) map[string]any {
	return map[string]any{"alg": alg, "kid": kid, "typ": "JWT"}
}

// payload applies the defaults documented on Claims.
func (i *Issuer) payload(c Claims) map[string]any {
	if c.Issuer == "" {
		c.Issuer = i.URL
	}
	if c.Subject == "" {
		c.Subject = DefaultSubject
	}
	if len(c.Audience) == 0 {
		c.Audience = []string{DefaultAudience}
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = i.now()
	}
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	if c.JTI == "" {
		c.JTI = randomHex(16)
	}
	p := map[string]any{
		"iss": c.Issuer,
		"sub": c.Subject,
		"iat": c.IssuedAt.Unix(),
		"nbf": c.IssuedAt.Unix(),
		"exp": c.IssuedAt.Add(c.TTL).Unix(),
		"jti": c.JTI,
	}
	if len(c.Audience) == 1 {
		p["aud"] = c.Audience[0]
	} else {
		p["aud"] = c.Audience
	}
	for k, v := range c.Extra {
		if v == nil {
			delete(p, k)
		} else {
			p[k] = v
		}
	}
	return p
}

func (i *Issuer) sign(header, payload map[string]any) string {
	signing := encodeSegment(header) + "." + encodeSegment(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, i.current().key, crypto.SHA256, sum[:])
	if err != nil {
		panic("oidctest: sign: " + err.Error()) // only fails for a key too small for SHA-256
	}
	return signing + "." + b64(sig)
}

// publicKeyBytes is the modulus, used as the HMAC secret of an HS256
// confusion token: a server that verifies HS256 with "the key" would accept it.
func (i *Issuer) publicKeyBytes() []byte { return i.current().key.N.Bytes() }

func encodeSegment(v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("oidctest: marshal claims: " + err.Error()) // an Extra value that JSON cannot encode
	}
	return b64(b)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
