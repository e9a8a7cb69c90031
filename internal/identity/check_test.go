package identity

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestCheckAcceptsAGoodToken(t *testing.T) {
	for _, raw := range []string{goodJWT(t), goodJWT(t) + "\n", "\n\t " + goodJWT(t) + " \r\n"} {
		if fs := Check([]byte(raw), "file /tmp/token", testNow); len(fs) != 0 {
			t.Errorf("findings for a good token: %v", fs)
		}
	}
	// Other accepted algorithms.
	for _, alg := range []jose.SignatureAlgorithm{jose.PS256, jose.ES256, jose.RS512} {
		if fs := Check([]byte(signJWT(t, alg, "k", goodClaims())), "", testNow); len(fs) != 0 {
			t.Errorf("%s: findings %v", alg, fs)
		}
	}
}

// Each case yields exactly one finding (plus the ones listed in also).
func TestCheckFindings(t *testing.T) {
	none := craftJWT(t, map[string]any{"alg": "none", "kid": "k"}, goodClaims(), "")
	workflow := "name: ci\non:\n  push:\npermissions:\n  id-token: write\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
	type tc struct {
		name, origin, raw string
		code              string
		sev               Severity
		says              []string
	}
	cases := []tc{
		{"empty file", "file /run/t", " \n", "empty", Error, []string{"is empty", "CI writes it at run time"}},
		{"empty env", "env TOK", "", "empty", Error, []string{"unset or empty", "set it to the OIDC JWT"}},
		{"empty command", "command `x`", "\n", "empty", Error, []string{"command's output is empty", "print the OIDC JWT on stdout"}},
		{"too large", "file /run/t", strings.Repeat("a", MaxTokenBytes+1), "too_large", Error, []string{"16385 bytes", "16 KiB"}},
		{"workflow", "file .github/workflows/ci.yml", workflow, "yaml", Error, []string{
			"GitHub Actions workflow", "not a token", "--identity-token-file", "core.getIDToken", "--identity-token-source github-actions"}},
		{"workflow document marker", "file x", "---\njobs:\n", "yaml", Error, []string{"GitHub Actions workflow"}},
		{"other yaml", "file x", "---\napiVersion: v1\nkind: Secret\n", "yaml", Error, []string{"looks like YAML", "only the OIDC JWT"}},
		{"yaml without marker", "file x", "apiVersion: v1\nkind: Secret\n", "yaml", Error, []string{"looks like YAML"}},
		{"one colon line is not yaml", "command `x`", "Usage: get-token [flags]", "not_jwt", Error, []string{"command's output is not a JWT"}},
		{"plain text", "file x", "hello world", "not_jwt", Error, []string{"not a JWT", "1 dot-separated parts", "three base64url parts"}},
		{"json wrapper", "file x", `{"count": 1, "value": "` + goodJWT(t) + `"}`, "not_jwt", Error, []string{"is JSON", `{"value": "eyJ…"}`, "only that field's value"}},
		{"alg none", "", none, "alg_none", Error, []string{`alg "none"`}},
		{"alg hmac", "", signJWT(t, jose.HS256, "k", goodClaims()), "alg_hmac", Error, []string{"HS256", "shared-secret", "RS256, PS256 or ES256"}},
		{"alg hs512", "", signJWT(t, jose.HS512, "k", goodClaims()), "alg_hmac", Error, []string{"HS512"}},
		{"alg eddsa", "", signJWT(t, jose.EdDSA, "k", goodClaims()), "alg_unsupported", Error, []string{`"EdDSA"`, "RS256/384/512"}},
		{"missing exp", "", signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"exp": nil})), "missing_exp", Error, []string{"no exp"}},
		{"missing iat", "", signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"iat": nil})), "missing_iat", Error, []string{"no iat"}},
		{"missing sub", "", signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"sub": nil})), "missing_sub", Error, []string{"no sub"}},
		{"missing iss", "", signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"iss": nil})), "missing_iss", Error, []string{"no iss"}},
		{"missing kid", "", signJWT(t, jose.RS256, "", goodClaims()), "missing_kid", Warning, []string{"no kid", "JWKS"}},
		{"expired", "", signJWT(t, jose.RS256, "k", claimsWith(map[string]any{
			"iat": testNow.Add(-10 * time.Minute).Unix(), "nbf": nil, "exp": testNow.Add(-5 * time.Minute).Unix()})),
			"expired", Error, []string{"expired at 2026-05-01T11:55:00Z", "5m0s ago", "fresh one"}},
		{"nbf in the future", "", signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"nbf": testNow.Add(2 * time.Minute).Unix()})),
			"not_yet_valid", Warning, []string{"not valid until 2026-05-01T12:02:00Z", "2m0s from now", "clock"}},
		{"iat in the future", "", signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"nbf": nil, "iat": testNow.Add(time.Hour).Unix(), "exp": testNow.Add(2 * time.Hour).Unix()})),
			"not_yet_valid", Warning, []string{"1h0m0s from now"}},
		{"other audience", "", signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"aud": "sts.amazonaws.com"})),
			"audience", Warning, []string{`["sts.amazonaws.com"]`, DefaultAudience, "--audience"}},
		{"no audience", "", signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"aud": nil})),
			"audience", Warning, []string{"no aud claim"}},
		// --audience is advised only where hermes requests the token.
		{"other audience, file", "file /run/t", signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"aud": "x"})),
			"audience", Warning, []string{"have whatever writes the file request it", "--audience applies only to tokens hermes fetches"}},
		{"other audience, env", "env TOK", signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"aud": "x"})),
			"audience", Warning, []string{"have whatever writes the variable request it", "--audience applies only to tokens hermes fetches"}},
		{"other audience, command", "command `x`", signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"aud": "x"})),
			"audience", Warning, []string{"have whatever writes the command's output request it", "--audience applies only to tokens hermes fetches"}},
		{"other audience, fetched", "github-actions (audience x)", signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"aud": "x"})),
			"audience", Warning, []string{"request the token with it (--audience)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := Check([]byte(c.raw), c.origin, testNow)
			if len(fs) != 1 {
				t.Fatalf("findings %v, want only %s", codes(fs), c.code)
			}
			f := fs[0]
			if f.Code != c.code || f.Severity != c.sev {
				t.Errorf("got %s/%s, want %s/%s", f.Code, f.Severity, c.code, c.sev)
			}
			for _, s := range c.says {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q does not say %q", f.Message, s)
				}
			}
			if len(c.raw) > 20 {
				assertNoSecret(t, errors.New(f.Message), strings.TrimSpace(c.raw))
			}
			if strings.Contains(f.Message, "eyJ") && !strings.Contains(f.Message, "eyJ…") {
				t.Errorf("message shows a JWT: %s", f.Message)
			}
		})
	}
}

func TestCheckSkew(t *testing.T) {
	within := signJWT(t, jose.RS256, "k", claimsWith(map[string]any{
		"exp": testNow.Add(-ClockSkew + time.Second).Unix(),
		"nbf": testNow.Add(ClockSkew - time.Second).Unix(),
	}))
	if fs := Check([]byte(within), "", testNow); len(fs) != 0 {
		t.Errorf("within the 30 s skew: %v", fs)
	}
	beyond := signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"exp": testNow.Add(-ClockSkew - time.Second).Unix()}))
	if fs := Check([]byte(beyond), "", testNow); !slices.Equal(codes(fs), []string{"expired"}) {
		t.Errorf("beyond the skew: %v", fs)
	}
}

func TestCheckReportsEveryClaimProblemAtOnce(t *testing.T) {
	raw := craftJWT(t, map[string]any{"alg": "HS256"}, map[string]any{"aud": "x"}, "c2ln")
	got := codes(Check([]byte(raw), "", testNow))
	want := []string{"alg_hmac", "missing_kid", "missing_iss", "missing_sub", "missing_iat", "missing_exp", "audience"}
	if !slices.Equal(got, want) {
		t.Errorf("codes = %v, want %v", got, want)
	}
	errs := Errors(Check([]byte(raw), "", testNow))
	if got := codes(errs); !slices.Equal(got, []string{"alg_hmac", "missing_iss", "missing_sub", "missing_iat", "missing_exp"}) {
		t.Errorf("Errors() = %v", got)
	}
}

func TestFindingString(t *testing.T) {
	f := Finding{Severity: Warning, Code: "audience", Message: "the JWT has no aud claim"}
	if got := f.String(); got != "warning: the JWT has no aud claim" {
		t.Errorf("String() = %q", got)
	}
	if got := (Finding{Severity: Error, Message: "m"}).String(); got != "error: m" {
		t.Errorf("String() = %q", got)
	}
	if Errors(nil) != nil || len(Errors([]Finding{f})) != 0 {
		t.Error("Errors kept a warning")
	}
}

func TestFindingJSON(t *testing.T) {
	in := []Finding{{Warning, "audience", "a"}, {Error, "expired", "b"}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"severity":"warning","code":"audience","message":"a"},{"severity":"error","code":"expired","message":"b"}]`
	if string(b) != want {
		t.Errorf("JSON %s\nwant %s", b, want)
	}
	var out []Finding
	if err := json.Unmarshal(b, &out); err != nil || !slices.Equal(out, in) {
		t.Errorf("round trip: %v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`[{"severity":"fatal"}]`), &out); err == nil {
		t.Error("unknown severity accepted")
	}
}

func TestCheckFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "token")
	if err := os.WriteFile(good, []byte(goodJWT(t)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fs := CheckFile(good, testNow); len(fs) != 0 {
		t.Errorf("good file: %v", fs)
	}

	fs := CheckFile(filepath.Join(dir, "absent"), testNow)
	if f, ok := findCode(fs, "missing"); !ok || len(fs) != 1 || f.Severity != Error || !strings.Contains(f.Message, "only when the job runs") {
		t.Errorf("missing file: %v", fs)
	}

	fs = CheckFile(dir, testNow)
	if f, ok := findCode(fs, "unreadable"); !ok || !strings.Contains(f.Message, "directory") {
		t.Errorf("directory: %v", fs)
	}

	huge := filepath.Join(dir, "huge")
	if err := os.WriteFile(huge, make([]byte, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if fs := CheckFile(huge, testNow); !slices.Equal(codes(fs), []string{"too_large"}) {
		t.Errorf("2 MiB file: %v", fs)
	}

	wf := filepath.Join(dir, "ci.yml")
	if err := os.WriteFile(wf, []byte("on: push\njobs: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fs := CheckFile(wf, testNow); !slices.Equal(codes(fs), []string{"yaml"}) {
		t.Errorf("workflow file: %v", fs)
	}

	if os.Geteuid() != 0 { // root reads anything
		locked := filepath.Join(dir, "locked")
		if err := os.WriteFile(locked, []byte(goodJWT(t)), 0o000); err != nil {
			t.Fatal(err)
		}
		fs := CheckFile(locked, testNow)
		if f, ok := findCode(fs, "unreadable"); !ok || !strings.Contains(f.Message, "permission denied") {
			t.Errorf("unreadable file: %v", fs)
		}
	}
}

func TestTokenError(t *testing.T) {
	e := &TokenError{Source: "file /run/token", Findings: []Finding{
		{Error, "expired", "the JWT expired at X"}, {Error, "missing_sub", "the JWT has no sub"},
	}}
	want := "identity token from file /run/token cannot be used: the JWT expired at X; the JWT has no sub"
	if e.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", e.Error(), want)
	}
	var coder interface{ ExitCode() int }
	if !errors.As(error(e), &coder) || coder.ExitCode() != 4 {
		t.Error("TokenError does not exit 4")
	}
}
