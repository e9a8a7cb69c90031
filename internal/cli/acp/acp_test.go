package acp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/cli/factory"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

const testKey = "sk-ant-api03-SENTINELcliACPkeySENTINEL000000"

// Under --verbose, with a shadowed credential in the environment, stdout
// still carries nothing but JSON-RPC messages; the notices and logs are
// on stderr.
func TestStdoutIsProtocolOnly(t *testing.T) {
	iss := oidctest.New(t)
	s := anthropictest.New(t, anthropictest.Config{Issuer: iss, APIKeys: []string{testKey}})
	home, cwd := t.TempDir(), t.TempDir()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(iss.Mint(oidctest.Claims{})), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"HERMES_HOME":                   home,
		"ANTHROPIC_BASE_URL":            s.URL,
		"ANTHROPIC_FEDERATION_RULE_ID":  anthropictest.DefaultRuleID,
		"ANTHROPIC_ORGANIZATION_ID":     anthropictest.DefaultOrgID,
		"ANTHROPIC_IDENTITY_TOKEN_FILE": tokenFile,
		"ANTHROPIC_API_KEY":             testKey, // set too: shadowed, named on stderr
	}
	ios, _, _, _ := iostreams.Test()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	errOut := &iostreams.SyncBuffer{}
	ios.In, ios.Out, ios.ErrOut = inR, outW, errOut
	f := factory.New()
	f.IO, f.Getenv, f.Verbose = ios, func(k string) string { return vars[k] }, true

	done := make(chan error, 1)
	go func() {
		cmd := NewCmd(f)
		cmd.SetArgs([]string{"--model", "claude-test-model"})
		done <- cmd.ExecuteContext(context.Background())
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	send := func(id int, method string, params any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
		if _, err := inW.Write(append(b, '\n')); err != nil {
			t.Fatal(err)
		}
		for lines.Scan() {
			var msg map[string]any
			if err := json.Unmarshal(lines.Bytes(), &msg); err != nil || msg["jsonrpc"] != "2.0" {
				t.Fatalf("stdout line is not JSON-RPC: %q", lines.Text())
			}
			if msg["id"] == float64(id) {
				return msg
			}
		}
		t.Fatalf("no answer to %s: %v", method, lines.Err())
		return nil
	}
	send(1, "initialize", map[string]any{"protocolVersion": 1})
	ns := send(2, "session/new", map[string]any{"cwd": cwd, "mcpServers": []any{}})
	if ns["result"] == nil {
		t.Fatalf("session/new: %v", ns["error"])
	}
	sid := ns["result"].(map[string]any)["sessionId"]
	resp := send(3, "session/prompt", map[string]any{"sessionId": sid, "prompt": []any{map[string]any{"type": "text", "text": "hi"}}})
	if r, _ := resp["result"].(map[string]any); r == nil || r["stopReason"] != "end_turn" {
		t.Errorf("prompt answer %v", resp)
	}
	inW.Close() // the editor quits
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("hermes acp did not exit when stdin closed")
	}
	if m := s.MessageRequests()[0]; m.Model != "claude-test-model" {
		t.Errorf("model %q", m.Model)
	}
	stderr := errOut.String()
	if !strings.Contains(stderr, "ignoring") || !strings.Contains(stderr, "level=DEBUG") {
		t.Errorf("stderr lacks the shadowed notice or the verbose log:\n%s", stderr)
	}
	for _, sec := range append(s.Secrets(), testKey) {
		if strings.Contains(stderr, sec) {
			t.Error("a credential reached stderr")
		}
	}
}

func TestBadFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := factory.New()
	f.IO = ios
	cmd := NewCmd(f)
	cmd.SetArgs([]string{"--permission-mode", "yolo"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.ExecuteContext(context.Background())
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "acceptEdits") {
		t.Errorf("error %v", err)
	}
}

// The rule flags read like chat's: repeated, comma- or space-separated,
// Claude Code's spellings too, and a command holding a quote or a comma
// inside its parentheses stays one rule.
func TestRuleFlags(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	f := factory.New()
	f.IO = ios
	var got *Options
	cmd := newCmd(f, func(_ context.Context, o *Options) error { got = o; return o.check() })
	cmd.SetArgs([]string{"--allowed-tools", `bash(echo "a,b":*) edit_file`, "--allowedTools", "bash(ls:*)", "--disallowed-tools", "bash(git push:*),bash(rm:*)"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.AllowedTools, "|") != `bash(echo "a,b":*) edit_file|bash(ls:*)` || strings.Join(got.DisallowedTools, "|") != "bash(git push:*),bash(rm:*)" {
		t.Errorf("allowed %q, disallowed %q", got.AllowedTools, got.DisallowedTools)
	}
}
