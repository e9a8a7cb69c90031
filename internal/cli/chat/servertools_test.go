package chat

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/anthropictest"
)

// declared returns the request's server tool declarations by name.
func declared(t *testing.T, req anthropictest.MessagesRequest) map[string]map[string]any {
	t.Helper()
	var body struct {
		Tools []map[string]any `json:"tools"`
	}
	if err := json.Unmarshal(req.Raw, &body); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, tool := range body.Tools {
		if typ, _ := tool["type"].(string); typ != "" && typ != "custom" {
			out[tool["name"].(string)] = tool
		}
	}
	return out
}

func TestServerToolsDeclaredOnlyByARule(t *testing.T) {
	t.Chdir(t.TempDir())
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	for _, tc := range []struct {
		name string
		args []string
		want map[string]string // tool → its domain fields as JSON
		warn string
	}{
		{"off by default", nil, map[string]string{}, ""},
		{"asked for, no rule", []string{"--tools", "web_search,web_fetch"}, map[string]string{}, "web_search is not offered"},
		{"rules", []string{"--tools", "web_search,web_fetch,read_file", "--allowed-tools", "web_search web_fetch(domain:docs.example.com) web_fetch(domain:evil.example)", "--disallowed-tools", "web_fetch(domain:evil.example)"},
			map[string]string{"web_search": `{}`, "web_fetch": `{"allowed_domains":["docs.example.com"]}`}, ""},
		{"bypass, a domain denied", []string{"--tools", "web_search", "--permission-mode", "bypassPermissions", "--disallowed-tools", "web_search(domain:evil.example)"},
			map[string]string{"web_search": `{"blocked_domains":["evil.example"]}`}, ""},
		{"plan mode", []string{"--tools", "web_search", "--permission-mode", "plan", "--allowed-tools", "web_search"}, map[string]string{}, ""},
		{"whole tool denied", []string{"--tools", "web_search", "--allowed-tools", "web_search", "--disallowed-tools", "WebSearch"}, map[string]string{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.errOut.Reset()
			n := len(s.MessageRequests())
			if err := h.run(context.Background(), append([]string{"-q", "hi"}, tc.args...)...); err != nil {
				t.Fatal(err)
			}
			got := declared(t, s.MessageRequests()[n])
			if len(got) != len(tc.want) {
				t.Fatalf("declared %v, want %v", got, tc.want)
			}
			for name, fields := range tc.want {
				tool, ok := got[name]
				if !ok {
					t.Fatalf("%s not declared: %v", name, got)
				}
				domains := map[string]any{}
				for _, k := range []string{"allowed_domains", "blocked_domains"} {
					if v, ok := tool[k]; ok {
						domains[k] = v
					}
				}
				if b, _ := json.Marshal(domains); string(b) != fields {
					t.Errorf("%s domains = %s, want %s", name, b, fields)
				}
			}
			if tc.warn != "" && !strings.Contains(h.errOut.String(), tc.warn) {
				t.Errorf("stderr = %q, want %q", h.errOut.String(), tc.warn)
			}
		})
	}
}

// A server tool's call and result show like other tools' and are sent
// back with the history, so a resumed session keeps what was found.
func TestServerToolCallsShownAndKept(t *testing.T) {
	t.Chdir(t.TempDir())
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	s.Script(anthropictest.Reply{Text: "Found it.", ServerToolUses: []anthropictest.ServerToolUse{{
		Name: "web_search", Input: map[string]string{"query": "hermes wif"},
		Results: []anthropictest.WebResult{{Title: "WIF docs", URL: "https://docs.example.com/wif"}},
	}}})
	args := []string{"--tools", "web_search", "--allowed-tools", "web_search", "--format", "json"}
	if err := h.run(context.Background(), append([]string{"-q", "search"}, args...)...); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Text      string `json:"text"`
		ToolCalls []struct {
			Name   string          `json:"name"`
			Input  json.RawMessage `json:"input"`
			Output string          `json:"output"`
		} `json:"tool_calls"`
	}
	if err := json.Unmarshal(h.out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, h.out.String())
	}
	if res.Text != "Found it." || len(res.ToolCalls) != 1 || res.ToolCalls[0].Name != "web_search" ||
		res.ToolCalls[0].Output != "WIF docs — https://docs.example.com/wif" || !strings.Contains(string(res.ToolCalls[0].Input), "hermes wif") {
		t.Fatalf("result = %+v", res)
	}
	h.out.Reset()
	if err := h.run(context.Background(), append([]string{"-c", "-q", "again"}, args...)...); err != nil {
		t.Fatal(err)
	}
	reqs := s.MessageRequests()
	var types []string
	for _, b := range reqs[len(reqs)-1].Messages[1].Content {
		types = append(types, b.Type)
	}
	if strings.Join(types, ",") != "server_tool_use,web_search_tool_result,text" {
		t.Errorf("history sent back: assistant blocks %v", types)
	}
}
