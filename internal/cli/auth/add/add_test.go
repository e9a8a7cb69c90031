package add

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

const sentinelKey = "sk-ant-api03-SENTINELUNIT0123456789abcdefghij"

// signJWT returns a sentinel ES256 identity token valid for an hour.
func signJWT(t *testing.T, now time.Time) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(jwt.Claims{
		Issuer: "https://issuer.test", Subject: "SENTINELSUBJECT", Audience: jwt.Audience{"https://api.anthropic.com"},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour)), ID: "SENTINELJTI",
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// fakePrompter answers from scripts and records what was asked.
type fakePrompter struct {
	options   [][]string
	selects   []int
	inputs    []string
	passwords []string
	asked     []string
}

func (p *fakePrompter) Select(_ context.Context, q string, opts []string) (int, error) {
	p.asked = append(p.asked, q)
	p.options = append(p.options, opts)
	if len(p.selects) == 0 {
		return 0, errors.New("unexpected Select: " + q)
	}
	v := p.selects[0]
	p.selects = p.selects[1:]
	return v, nil
}

func (p *fakePrompter) Input(_ context.Context, q string) (string, error) {
	p.asked = append(p.asked, q)
	if len(p.inputs) == 0 {
		return "", errors.New("unexpected Input: " + q)
	}
	v := p.inputs[0]
	p.inputs = p.inputs[1:]
	return v, nil
}

func (p *fakePrompter) Password(_ context.Context, q string) (string, error) {
	p.asked = append(p.asked, q)
	if len(p.passwords) == 0 {
		return "", errors.New("unexpected Password: " + q)
	}
	v := p.passwords[0]
	p.passwords = p.passwords[1:]
	return v, nil
}

type harness struct {
	opts     *Options
	out, err interface{ String() string }
	home     string
	now      time.Time
}

func newHarness(t *testing.T, tty bool, p *fakePrompter) *harness {
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdinTTY(tty)
	ios.SetStderrTTY(tty)
	home := filepath.Join(t.TempDir(), "hermes")
	now := time.Now()
	return &harness{
		opts: &Options{
			IO: ios, Prompter: p, Provider: "anthropic",
			Home:   func() (string, error) { return home, nil },
			Getenv: func(string) string { return "" },
			Now:    func() time.Time { return now },
			CheckWIF: func(context.Context, *authstore.WIF) (credential.Token, error) {
				return credential.Token{}, errors.New("CheckWIF not expected")
			},
		},
		out: out, err: errOut, home: home, now: now,
	}
}

func (h *harness) file(t *testing.T) *authstore.File {
	t.Helper()
	f, err := authstore.Open(h.home).Load()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (h *harness) noSecrets(t *testing.T, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(h.out.String()+h.err.String(), s) {
			t.Fatalf("output contains a secret:\n%s\n%s", h.out, h.err)
		}
	}
}

func TestMenuAPIKeyHiddenPrompt(t *testing.T) {
	p := &fakePrompter{selects: []int{0}, passwords: []string{sentinelKey}}
	h := newHarness(t, true, p)
	if err := Run(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	pool := h.file(t).Pool()
	if len(pool) != 1 || pool[0].APIKey != sentinelKey || pool[0].Source != "prompt" {
		t.Fatalf("pool = %+v", pool)
	}
	if !strings.Contains(p.asked[0], "How do you want to authenticate") || !strings.Contains(p.asked[1], "input is hidden") {
		t.Fatalf("asked %q", p.asked)
	}
	h.noSecrets(t, sentinelKey)
}

func TestNoTypeWithoutTerminalIsUsageError(t *testing.T) {
	h := newHarness(t, false, &fakePrompter{})
	err := Run(context.Background(), h.opts)
	if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "pass --type") {
		t.Fatalf("err = %v", err)
	}
}

func TestMenuWIFAsksForWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	p := &fakePrompter{
		selects: []int{2, 0},
		inputs:  []string{"fdrl_01abc", "12345678-90ab-cdef-1234-567890abcdef", "", "default", tokenFile},
	}
	h := newHarness(t, true, p)
	jwtValue := signJWT(t, h.now)
	if err := os.WriteFile(tokenFile, []byte(jwtValue+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	w := h.file(t).WIF()
	if w == nil || w.FederationRuleID != "fdrl_01abc" || w.WorkspaceID != "default" || w.ServiceAccountID != "" ||
		w.IdentityToken.Source != "file" || w.IdentityToken.Path != tokenFile {
		t.Fatalf("WIF = %+v", w)
	}
	if h.err.String() != "" {
		t.Errorf("unexpected stderr: %s", h.err)
	}
	h.noSecrets(t, jwtValue, "SENTINELSUBJECT", "SENTINELJTI")
	data, _ := os.ReadFile(filepath.Join(h.home, "auth.json"))
	if strings.Contains(string(data), "eyJ") {
		t.Fatal("a JWT was stored in auth.json")
	}
}

func wifOpts(h *harness, tokenFile string) {
	h.opts.Type = TypeWIF
	h.opts.WIF = WIFFlags{RuleID: "fdrl_01abc", OrgID: "12345678-90ab-cdef-1234-567890abcdef", TokenFile: tokenFile}
}

func TestCheckSuccess(t *testing.T) {
	h := newHarness(t, false, &fakePrompter{})
	wifOpts(h, filepath.Join(t.TempDir(), "absent"))
	h.opts.Check = true
	const minted = "sk-ant-oat01-SENTINELMINTED0123456789abcdef"
	h.opts.CheckWIF = func(_ context.Context, w *authstore.WIF) (credential.Token, error) {
		// The configuration is checked before it is stored.
		if _, err := os.Stat(filepath.Join(h.home, authstore.FileName)); err == nil {
			t.Error("the configuration was stored before the check")
		}
		if w == nil || w.FederationRuleID != "fdrl_01abc" {
			t.Errorf("checked %+v, not the configuration being added", w)
		}
		return credential.Token{Value: minted, Expiry: h.now.Add(time.Hour)}, nil
	}
	if err := Run(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.out.String(), "✓ exchange ok, token expires in 1h0m0s") {
		t.Fatalf("stdout:\n%s", h.out)
	}
	if !strings.Contains(h.err.String(), "warning: identity token file") {
		t.Errorf("missing-file warning absent:\n%s", h.err)
	}
	h.noSecrets(t, minted)
}

// One --check rule for every --type (issue 27): a failed check stores
// nothing, exits 4 and says how to store anyway.
func TestCheckFailureStoresNothingAndExits4(t *testing.T) {
	h := newHarness(t, false, &fakePrompter{})
	wifOpts(h, filepath.Join(t.TempDir(), "absent"))
	h.opts.Check = true
	h.opts.CheckWIF = func(context.Context, *authstore.WIF) (credential.Token, error) {
		return credential.Token{}, errors.New("exchange refused: 401")
	}
	err := Run(context.Background(), h.opts)
	if cmdutil.ExitCode(err) != 4 || !strings.Contains(err.Error(), "the check failed, so the WIF configuration was not stored: exchange refused") ||
		!strings.Contains(err.Error(), "run the same command without --check") {
		t.Fatalf("err = %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	if _, err := os.Stat(filepath.Join(h.home, authstore.FileName)); err == nil && h.file(t).WIF() != nil {
		t.Fatal("configuration stored after a failed check")
	}
}

func TestReplacingWIFDropsCachedTokens(t *testing.T) {
	h := newHarness(t, false, &fakePrompter{})
	wifOpts(h, "/nonexistent/token")
	cache := filepath.Join(h.home, "cache", "wif")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cache); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("cached WIF tokens survived a new configuration")
	}
}

func TestAPIKeyFromStdinLine(t *testing.T) {
	h := newHarness(t, false, &fakePrompter{})
	h.opts.Type = TypeAPIKey
	h.opts.Label = "ci"
	h.opts.IO.In.(interface{ WriteString(string) (int, error) }).WriteString(sentinelKey + "\r\nsecond line\n")
	if err := Run(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	pool := h.file(t).Pool()
	if len(pool) != 1 || pool[0].APIKey != sentinelKey || pool[0].Source != "stdin" || pool[0].Label != "ci" {
		t.Fatalf("pool = %+v", pool)
	}
	h.noSecrets(t, sentinelKey)
}

// A key that does not look like an Anthropic key needs --force; --check
// makes one API call before storing and stores nothing when it is refused.
func TestAPIKeyForceAndCheck(t *testing.T) {
	const odd = "my-gateway-key-SENTINELodd0123456789"
	const good = "sk-ant-api03-SENTINELcheck0123456789abcdefghij"
	h := newHarness(t, false, &fakePrompter{})
	h.opts.Type, h.opts.APIKey = TypeAPIKey, odd
	err := Run(context.Background(), h.opts)
	if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "--force") || strings.Contains(err.Error(), "SENTINELodd") {
		t.Fatalf("err = %v", err)
	}
	var calls []string
	h.opts.CheckAPIKey = func(_ context.Context, base, key string) error {
		calls = append(calls, base)
		if key != good {
			return &anthropic.Error{StatusCode: 401}
		}
		return nil
	}
	h.opts.Force, h.opts.Check = true, true
	err = Run(context.Background(), h.opts)
	if cmdutil.ExitCode(err) != 4 || !strings.Contains(err.Error(), "refused") || strings.Contains(err.Error(), "SENTINELodd") {
		t.Fatalf("refused key: err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(h.home, authstore.FileName)); err == nil {
		if len(h.file(t).Pool()) != 0 {
			t.Fatal("a refused key was stored")
		}
	}
	h.opts.Force, h.opts.APIKey = false, good
	if err := Run(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[1] != "https://api.anthropic.com" {
		t.Errorf("check calls = %v", calls)
	}
	if pool := h.file(t).Pool(); len(pool) != 1 || pool[0].APIKey != good {
		t.Errorf("pool = %+v", pool)
	}
}

// Ctrl-C during --check says "interrupted" (exit 130), never Go's
// "context canceled"; what was or was not stored is still said.
func TestCheckInterrupted(t *testing.T) {
	t.Parallel()
	canceled := fmt.Errorf("exchange: Post %q: %w", "http://127.0.0.1:1/v1/oauth/token", context.Canceled)

	// Ctrl-C arrives while the check is under way.
	ctx, cancel := context.WithCancel(context.Background())
	h := newHarness(t, false, &fakePrompter{})
	wifOpts(h, filepath.Join(t.TempDir(), "absent"))
	h.opts.Check = true
	h.opts.CheckWIF = func(context.Context, *authstore.WIF) (credential.Token, error) {
		cancel()
		return credential.Token{}, canceled
	}
	err := Run(ctx, h.opts)
	if err == nil || err.Error() != "the check was interrupted; nothing stored" || cmdutil.ExitCode(err) != 130 {
		t.Errorf("wif: err = %v (exit %d)", err, cmdutil.ExitCode(err))
	}

	ctx, cancel = context.WithCancel(context.Background())
	h = newHarness(t, false, &fakePrompter{})
	h.opts.Type, h.opts.APIKey, h.opts.Check = TypeAPIKey, sentinelKey, true
	h.opts.CheckAPIKey = func(context.Context, string, string) error { cancel(); return canceled }
	err = Run(ctx, h.opts)
	if err == nil || err.Error() != "the check was interrupted; nothing stored" || cmdutil.ExitCode(err) != 130 {
		t.Errorf("api-key: err = %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	if _, err := os.Stat(filepath.Join(h.home, authstore.FileName)); err == nil && len(h.file(t).Pool()) != 0 {
		t.Error("an unchecked key was stored after the interrupt")
	}
}

// A token file that exists but holds a token hermes would refuse (here:
// expired) is re-asked with the warning, like every other bad answer; it
// is kept only on an explicit "use it anyway".
func TestInteractiveBadTokenFileIsReasked(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jwt")
	if err := os.WriteFile(bad, []byte("not-a-jwt\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &fakePrompter{selects: []int{0}, inputs: []string{bad, bad, "use it anyway"}}
	h := newHarness(t, true, p)
	h.opts.Type = TypeWIF
	h.opts.WIF = WIFFlags{RuleID: "fdrl_01abc", OrgID: "12345678-90ab-cdef-1234-567890abcdef"}
	h.opts.WIF.ServiceAccountID, h.opts.WIF.WorkspaceID = "svac_01x", "default"
	if err := Run(context.Background(), h.opts); err != nil {
		t.Fatalf("Run: %v\nstderr:\n%s", err, h.err)
	}
	if n := strings.Count(h.err.String(), "✗ identity token from file "+bad); n != 2 {
		t.Errorf("warned %d times, want 2 (the same bad path is refused again):\n%s", n, h.err)
	}
	if w := h.file(t).WIF(); w == nil || w.IdentityToken.Path != bad {
		t.Fatalf("WIF = %+v", w)
	}
}
