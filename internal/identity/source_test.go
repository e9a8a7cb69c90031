package identity

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func fixedNow() time.Time { return testNow }

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func newTestSource(t *testing.T, cfg Config, opts Options) Source {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	if opts.Getenv == nil {
		opts.Getenv = mapEnv(nil)
	}
	src, err := NewSource(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestNewSourceRejectsInvalidConfig(t *testing.T) {
	if _, err := NewSource(Config{Source: SourceFile}, Options{}); err == nil || !strings.Contains(err.Error(), "--identity-token-file") {
		t.Errorf("NewSource = %v", err)
	}
}

func TestFileSourceRereadsOnEveryCall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	src := newTestSource(t, Config{Source: SourceFile, Path: path}, Options{})
	if src.Mints() || src.Describe() != "file "+path {
		t.Errorf("Mints %v, Describe %q", src.Mints(), src.Describe())
	}
	ctx := context.Background()

	// Not written yet: refused, naming the file.
	_, err := src.Token(ctx)
	var te *TokenError
	if !errors.As(err, &te) || !slices.Equal(codes(te.Findings), []string{"missing"}) || !strings.Contains(err.Error(), path) {
		t.Fatalf("missing file: %v", err)
	}

	first := goodJWT(t)
	second := signJWT(t, jose.RS256, "key-1", claimsWith(map[string]any{"jti": "second"}))
	for _, want := range []string{first, second} {
		if err := os.WriteFile(path, []byte(want+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := src.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Error("Token did not return the file's current content, trimmed")
		}
	}
}

func TestFileSourceRefusesDoomedTokens(t *testing.T) {
	expired := signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"exp": testNow.Add(-time.Hour).Unix(), "iat": testNow.Add(-2 * time.Hour).Unix(), "nbf": nil}))
	hmac := signJWT(t, jose.HS256, "k", goodClaims())
	for name, tc := range map[string]struct {
		content string
		codes   []string
	}{
		"expired":  {expired, []string{"expired"}},
		"hmac":     {hmac, []string{"alg_hmac"}},
		"workflow": {"on: push\njobs:\n  a:\n", []string{"yaml"}},
		"empty":    {"\n", []string{"empty"}},
	} {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, "token", tc.content)
			src := newTestSource(t, Config{Source: SourceFile, Path: path}, Options{})
			got, err := src.Token(context.Background())
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("Token = %q, %v; want a TokenError", got, err)
			}
			if !slices.Equal(codes(te.Findings), tc.codes) || te.Source != "file "+path {
				t.Errorf("TokenError %+v", te)
			}
			if !strings.Contains(err.Error(), "identity token from file "+path+" cannot be used") {
				t.Errorf("error does not name the file: %v", err)
			}
			assertNoSecret(t, err, tc.content)
		})
	}
}

// Warnings do not refuse a token: a rule may use another audience.
func TestSourceAcceptsTokenWithWarnings(t *testing.T) {
	raw := signJWT(t, jose.RS256, "", claimsWith(map[string]any{"aud": "other"}))
	src := newTestSource(t, Config{Source: SourceEnv, Env: "TOK"}, Options{Getenv: mapEnv(map[string]string{"TOK": raw})})
	if got, err := src.Token(context.Background()); err != nil || got != raw {
		t.Errorf("Token = %v", err)
	}
}

func TestEnvSource(t *testing.T) {
	raw := goodJWT(t)
	env := map[string]string{"ANTHROPIC_IDENTITY_TOKEN": " " + raw + "\n"}
	src := newTestSource(t, Config{Source: SourceEnv, Env: "ANTHROPIC_IDENTITY_TOKEN"}, Options{Getenv: mapEnv(env)})
	if src.Mints() || src.Describe() != "env ANTHROPIC_IDENTITY_TOKEN" {
		t.Errorf("Mints %v, Describe %q", src.Mints(), src.Describe())
	}
	got, err := src.Token(context.Background())
	if err != nil || got != raw {
		t.Fatalf("Token: %v", err)
	}
	// The variable is read per call.
	delete(env, "ANTHROPIC_IDENTITY_TOKEN")
	_, err = src.Token(context.Background())
	var te *TokenError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "env ANTHROPIC_IDENTITY_TOKEN") || !strings.Contains(err.Error(), "unset or empty") {
		t.Errorf("unset variable: %v", err)
	}
}

func TestSourceHonoursCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := writeFile(t, "token", goodJWT(t))
	for _, cfg := range []Config{{Source: SourceFile, Path: path}, {Source: SourceEnv, Env: "X"}} {
		if _, err := newTestSource(t, cfg, Options{}).Token(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v", cfg.Source, err)
		}
	}
}

func TestCommandSource(t *testing.T) {
	raw := goodJWT(t)
	ctx := context.Background()

	t.Run("prints a token", func(t *testing.T) {
		src := newTestSource(t, Config{Source: SourceCommand, Command: helperCommand(t, "print", raw)}, Options{})
		if !src.Mints() || !strings.HasPrefix(src.Describe(), "command `") {
			t.Errorf("Mints %v, Describe %q", src.Mints(), src.Describe())
		}
		got, err := src.Token(ctx)
		if err != nil || got != raw {
			t.Fatalf("Token: %v", err)
		}
	})

	t.Run("non-zero exit", func(t *testing.T) {
		src := newTestSource(t, Config{Source: SourceCommand, Command: helperCommand(t, "fail", raw)}, Options{})
		_, err := src.Token(ctx)
		var se *SourceError
		if !errors.As(err, &se) || se.ExitCode() != 4 {
			t.Fatalf("Token = %v, want a SourceError", err)
		}
		for _, want := range []string{"command `", "exited with status 3", "stderr: helper failed: token was eyJ…(JWT"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		assertNoSecret(t, err, raw)
	})

	t.Run("prints garbage", func(t *testing.T) {
		src := newTestSource(t, Config{Source: SourceCommand, Command: helperCommand(t, "print", "Usage: get-token [flags]")}, Options{})
		_, err := src.Token(ctx)
		var te *TokenError
		if !errors.As(err, &te) || !slices.Equal(codes(te.Findings), []string{"not_jwt"}) || !strings.Contains(err.Error(), "command's output is not a JWT") {
			t.Errorf("Token = %v", err)
		}
	})

	t.Run("prints too much", func(t *testing.T) {
		src := newTestSource(t, Config{Source: SourceCommand, Command: helperCommand(t, "flood", "")}, Options{})
		if _, err := src.Token(ctx); err == nil || !strings.Contains(err.Error(), "more than 1 MiB") {
			t.Errorf("Token = %v", err)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		src := newTestSource(t, Config{Source: SourceCommand, Command: helperCommand(t, "hang", "")}, Options{CommandTimeout: 100 * time.Millisecond})
		_, err := src.Token(ctx)
		if err == nil || !strings.Contains(err.Error(), "timed out after 100ms") {
			t.Errorf("Token = %v", err)
		}
	})

	t.Run("missing binary", func(t *testing.T) {
		for _, cmd := range []string{"hermes-no-such-helper --x", "/nonexistent/hermes-helper"} {
			src := newTestSource(t, Config{Source: SourceCommand, Command: cmd}, Options{})
			_, err := src.Token(ctx)
			if err == nil || !strings.Contains(err.Error(), "was not found") {
				t.Errorf("%s: Token = %v", cmd, err)
			}
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		src := newTestSource(t, Config{Source: SourceCommand, Command: helperCommand(t, "hang", "")}, Options{})
		if _, err := src.Token(cctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Token = %v", err)
		}
	})
}
