package acp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// FuzzMessages feeds arbitrary input to a connection: whatever arrives,
// hermes never panics and writes nothing but JSON-RPC lines.
func FuzzMessages(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":1}}`,
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":1,"clientCapabilities":{"fs":{"readTextFile":true,"writeTextFile":true},"auth":{"terminal":true}}}}` + "\n" +
			`{"jsonrpc":"2.0","id":2,"method":"session/new","params":{"cwd":"/","mcpServers":[]}}`,
		`{"jsonrpc":"2.0","id":3,"method":"session/prompt","params":{"sessionId":"x","prompt":[{"type":"text","text":"hi"}]}}`,
		`{"jsonrpc":"2.0","method":"session/cancel","params":{"sessionId":"x"}}`,
		`{"jsonrpc":"2.0","id":4,"method":"session/load","params":{"sessionId":"../../etc/passwd","cwd":"/","mcpServers":[]}}`,
		`{"jsonrpc":"2.0","id":5,"method":"authenticate","params":{"methodId":"hermes-credential"}}`,
		`{"jsonrpc":"2.0","id":6,"method":"session/list","params":{}}`,
		`{"jsonrpc":"2.0","id":7,"method":"session/prompt","params":{"sessionId":"x","prompt":[{"type":"image","data":"aGk=","mimeType":"image/png"}]}}`,
		`{"jsonrpc":"2.0","id":"a","method":"_hermes/unknown","params":null}`,
		`{"jsonrpc":"2.0","id":8,"method":"session/new","params":{"cwd":"relative","mcpServers":[{"name":"x","command":"y","args":[],"env":[]}]}}`,
		`not json at all`,
		`{"jsonrpc":"2.0","id":9}`,
		`{"jsonrpc":"2.0","id":null,"method":"initialize","params":[]}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		home := t.TempDir()
		cfg := Config{
			Resolve: func(context.Context) (*credential.Runtime, error) {
				return nil, &resolve.NoCredentialError{Checked: []string{"fuzz"}}
			},
			Home:    home,
			Getenv:  func(string) string { return "" },
			Version: "fuzz",
		}
		out := &iostreams.SyncBuffer{}
		s := NewServer(cfg)
		conn := s.Attach(out, strings.NewReader(input))
		select {
		case <-conn.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("connection did not end at EOF")
		}
		s.Close()
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var msg struct {
				JSONRPC string `json:"jsonrpc"`
			}
			if err := json.Unmarshal(sc.Bytes(), &msg); err != nil || msg.JSONRPC != "2.0" {
				t.Fatalf("output line is not JSON-RPC: %q", sc.Text())
			}
		}
	})
}

// FuzzPromptText: any content blocks give a prompt or a protocol error.
func FuzzPromptText(f *testing.F) {
	f.Add(`[{"type":"text","text":"hello"}]`)
	f.Add(`[{"type":"resource","resource":{"uri":"file:///a","text":"x"}},{"type":"resource_link","name":"a","uri":"file:///a"}]`)
	f.Add(`[{"type":"resource","resource":{"uri":"file:///a","blob":"AAAA"}}]`)
	f.Add(`[{"type":"audio","data":"","mimeType":"audio/wav"}]`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, raw string) {
		var blocks []sdk.ContentBlock
		if json.Unmarshal([]byte(raw), &blocks) != nil {
			return
		}
		text, err := promptText(blocks)
		if err != nil {
			var re *sdk.RequestError
			if !errors.As(err, &re) || re.Code != -32602 {
				t.Fatalf("error %v is not invalid params", err)
			}
			return
		}
		if strings.TrimSpace(text) == "" || len(text) > maxPromptBytes+len(raw) {
			t.Fatalf("prompt %q", text)
		}
	})
}
