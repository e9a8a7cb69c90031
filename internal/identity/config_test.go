package identity

import (
	"slices"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // "" means valid
	}{
		{"file", Config{Source: SourceFile, Path: "/run/token"}, ""},
		{"env", Config{Source: SourceEnv, Env: "ANTHROPIC_IDENTITY_TOKEN"}, ""},
		{"github", Config{Source: SourceGitHubActions}, ""},
		{"github audience", Config{Source: SourceGitHubActions, Audience: "https://example.com"}, ""},
		{"gcp", Config{Source: SourceGCPMetadata}, ""},
		{"azure", Config{Source: SourceAzureIMDS}, ""},
		{"command", Config{Source: SourceCommand, Command: "get-token --aud 'a b'"}, ""},
		{"nothing", Config{}, "no identity token source: choose one of --identity-token-file"},
		{"unknown", Config{Source: "kubernetes"}, `unknown identity token source "kubernetes"`},
		{"file without path", Config{Source: SourceFile}, "--identity-token-file needs the path"},
		{"env without name", Config{Source: SourceEnv}, "--identity-token-env needs the name"},
		{"env given a token", Config{Source: SourceEnv, Env: "eyJhbGciOiJSUzI1NiJ9.SENTINEL.sig"}, "pass the name, not the token"},
		{"command empty", Config{Source: SourceCommand, Command: "  "}, "--identity-token-command needs a command"},
		{"command bad quote", Config{Source: SourceCommand, Command: "get 'token"}, "unterminated ' quote"},
		{"audience on file", Config{Source: SourceFile, Path: "/t", Audience: "x"}, "--audience applies only to"},
		{"audience with spaces", Config{Source: SourceGCPMetadata, Audience: " x"}, "spaces"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tc.want != "" && err == nil:
				t.Errorf("Validate accepted %+v", tc.cfg)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "SENTINEL") {
				t.Errorf("error echoes a pasted token: %v", err)
			}
		})
	}
}

func TestConfigDescribe(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Source: SourceFile, Path: "/run/token"}, "file /run/token"},
		{Config{Source: SourceEnv, Env: "TOK"}, "env TOK"},
		{Config{Source: SourceGitHubActions}, "github-actions (audience https://api.anthropic.com)"},
		{Config{Source: SourceGCPMetadata, Audience: "aud"}, "gcp-metadata (audience aud)"},
		{Config{Source: SourceAzureIMDS}, "azure-imds (audience https://api.anthropic.com)"},
		{Config{Source: SourceCommand, Command: "get-token -a"}, "command `get-token …`"},
	} {
		if got := tc.cfg.Describe(); got != tc.want {
			t.Errorf("Describe(%+v) = %q, want %q", tc.cfg, got, tc.want)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"get-token", []string{"get-token"}},
		{"  get-token   --aud x\t-v ", []string{"get-token", "--aud", "x", "-v"}},
		{`helper 'a b' "c d"`, []string{"helper", "a b", "c d"}},
		{`helper 'it''s' ""`, []string{"helper", "its", ""}},
		{`helper "say \"hi\" \$HOME \n"`, []string{"helper", `say "hi" $HOME \n`}},
		{`helper a\ b \'q\'`, []string{"helper", "a b", "'q'"}},
		{`helper $HOME *.txt | cat`, []string{"helper", "$HOME", "*.txt", "|", "cat"}},
		{`'/path with space/bin' x`, []string{"/path with space/bin", "x"}},
	} {
		got, err := splitCommand(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("splitCommand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "   ", `a "b`, `a 'b`, `a \`} {
		if got, err := splitCommand(bad); err == nil {
			t.Errorf("splitCommand(%q) = %q, want an error", bad, got)
		}
	}
}
