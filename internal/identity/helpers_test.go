package identity

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// TestMain doubles as the helper process for the command source: the
// test binary runs itself as `identity.test identity-helper MODE [FILE]`.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "identity-helper" {
		os.Exit(helperMain(os.Args[2:]))
	}
	// The helpers inherit it: a race-enabled process otherwise sleeps 1 s
	// at each clean exit (a race still makes it exit 66).
	os.Setenv("GORACE", "atexit_sleep_ms=0 "+os.Getenv("GORACE"))
	os.Exit(m.Run())
}

func helperMain(args []string) int {
	readArg := func() string {
		b, err := os.ReadFile(args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(70)
		}
		return string(b)
	}
	switch args[0] {
	case "print": // the file's content on stdout, plus a newline
		fmt.Println(readArg())
		return 0
	case "fail": // a failure whose stderr echoes the file's content
		fmt.Print(readArg())
		fmt.Fprintf(os.Stderr, "helper failed: token was %s\n", readArg())
		return 3
	case "hang":
		time.Sleep(time.Hour)
		return 0
	case "flood":
		chunk := strings.Repeat("A", 64<<10)
		for range 32 { // 2 MiB
			os.Stdout.WriteString(chunk)
		}
		return 0
	}
	return 64
}

// helperCommand is a --identity-token-command line that runs the helper.
// The token goes through a file so that it never appears in the command
// line, which Describe shows.
func helperCommand(t *testing.T, mode, content string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, "arg", content)
	return fmt.Sprintf("'%s' identity-helper %s '%s'", exe, mode, file)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := t.TempDir() + "/" + name
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	rsaKeyOnce sync.Once
	rsaKey     *rsa.PrivateKey
)

func testRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	rsaKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		rsaKey = k
	})
	return rsaKey
}

// testNow is the fixed "now" of every claim check in these tests.
var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// goodClaims are what a GitHub Actions token carries, minus the noise.
func goodClaims() map[string]any {
	return map[string]any{
		"iss": "https://token.actions.githubusercontent.com",
		"sub": "repo:acme/app:ref:refs/heads/main",
		"aud": DefaultAudience,
		"iat": testNow.Add(-time.Minute).Unix(),
		"nbf": testNow.Add(-time.Minute).Unix(),
		"exp": testNow.Add(4 * time.Minute).Unix(),
		"jti": "SENTINEL-JTI-7f3a9c",
	}
}

// claimsWith returns goodClaims with changes; a nil value deletes the claim.
func claimsWith(changes map[string]any) map[string]any {
	c := goodClaims()
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// signJWT signs claims with a real key of the given algorithm.
func signJWT(t *testing.T, alg jose.SignatureAlgorithm, kid string, claims map[string]any) string {
	t.Helper()
	var key any
	switch {
	case strings.HasPrefix(string(alg), "RS"), strings.HasPrefix(string(alg), "PS"):
		key = testRSAKey(t)
	case strings.HasPrefix(string(alg), "HS"):
		key = []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	case alg == jose.ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	case alg == jose.EdDSA:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	default:
		t.Fatalf("signJWT: no key for %s", alg)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// goodJWT is a token Anthropic would accept at testNow.
func goodJWT(t *testing.T) string {
	return signJWT(t, jose.RS256, "key-1", goodClaims())
}

// craftJWT builds a compact JWS by hand, for what no signer produces.
func craftJWT(t *testing.T, header, claims map[string]any, sig string) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(claims) + "." + sig
}

// assertNoSecret fails if err's text contains any of the secrets or any
// segment of a JWT among them.
func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		needles := []string{s}
		if parts := strings.Split(s, "."); len(parts) == 3 {
			needles = append(needles, parts[1], parts[2])
		}
		for _, n := range needles {
			if len(n) >= 8 && strings.Contains(msg, n) {
				t.Errorf("error reveals a secret: %s", msg)
				return
			}
		}
	}
}

func codes(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

func findCode(fs []Finding, code string) (Finding, bool) {
	for _, f := range fs {
		if f.Code == code {
			return f, true
		}
	}
	return Finding{}, false
}
