package anthropictest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// post sends a raw messages request and returns the status and the
// decoded usage (or error message).
func post(t *testing.T, srv *anthropictest.Server, body map[string]any) (int, anthropictest.Usage, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", srv.URL+"/v1/messages", bytes.NewReader(b))
	req.Header.Set("x-api-key", apiKey)
	req.Header.Set("anthropic-version", "2023-06-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out struct {
		Usage anthropictest.Usage `json:"usage"`
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return resp.StatusCode, out.Usage, out.Error.Message
}

func textBlock(text string, breakpoint bool) map[string]any {
	b := map[string]any{"type": "text", "text": text}
	if breakpoint {
		b["cache_control"] = map[string]any{"type": "ephemeral"}
	}
	return b
}

// TestPromptCacheModel: a first request writes its prefix up to the last
// breakpoint; a second that extends it reads that prefix and writes only
// the new part; after CacheTTL nothing is read; no breakpoint, no cache.
func TestPromptCacheModel(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := anthropictest.New(t, anthropictest.Config{Issuer: oidctest.New(t), APIKeys: []string{apiKey}, MinCacheTokens: 10, Now: func() time.Time { return now }})
	system := []any{textBlock(strings.Repeat("system ", 100), true)}
	msgs := []any{map[string]any{"role": "user", "content": []any{textBlock(strings.Repeat("first ", 100), true)}}}
	body := map[string]any{"model": "m", "max_tokens": 10, "system": system, "messages": msgs}

	_, u1, _ := post(t, srv, body)
	if u1.CacheReadInputTokens != 0 || u1.CacheCreationInputTokens == 0 || u1.InputTokens != 0 {
		t.Fatalf("first request usage = %+v, want everything written", u1)
	}
	// The same prefix, the breakpoint moved to a new last message.
	msgs[0] = map[string]any{"role": "user", "content": []any{textBlock(strings.Repeat("first ", 100), false)}}
	msgs = append(msgs, map[string]any{"role": "assistant", "content": []any{textBlock("ok", false)}},
		map[string]any{"role": "user", "content": []any{textBlock(strings.Repeat("second ", 50), true)}})
	body["messages"] = msgs
	_, u2, _ := post(t, srv, body)
	if u2.CacheReadInputTokens != u1.CacheCreationInputTokens {
		t.Errorf("second request read %d, want the first's %d", u2.CacheReadInputTokens, u1.CacheCreationInputTokens)
	}
	if u2.CacheCreationInputTokens == 0 || u2.CacheCreationInputTokens >= u2.CacheReadInputTokens || u2.InputTokens != 0 {
		t.Errorf("second request usage = %+v, want only the new turns written", u2)
	}
	stats := srv.CacheStats()
	if stats.Requests != 2 || stats.CacheRead != u2.CacheReadInputTokens {
		t.Errorf("stats = %+v", stats)
	}

	now = now.Add(anthropictest.CacheTTL + time.Second)
	_, u3, _ := post(t, srv, body)
	if u3.CacheReadInputTokens != 0 {
		t.Errorf("after the TTL read %d, want 0", u3.CacheReadInputTokens)
	}
	// Another model never reads this model's cache.
	body["model"] = "other"
	if _, u, _ := post(t, srv, body); u.CacheReadInputTokens != 0 {
		t.Errorf("another model read %d", u.CacheReadInputTokens)
	}
	// Without breakpoints everything is plain input.
	body["system"] = "plain"
	body["messages"] = []any{map[string]any{"role": "user", "content": "hello there"}}
	if _, u, _ := post(t, srv, body); u.CacheCreationInputTokens != 0 || u.CacheReadInputTokens != 0 || u.InputTokens == 0 {
		t.Errorf("no breakpoint: usage = %+v", u)
	}
}

// TestPromptCacheMinimum: a prefix shorter than MinCacheTokens is not
// written, as the API does not cache it.
func TestPromptCacheMinimum(t *testing.T) {
	srv := anthropictest.New(t, anthropictest.Config{Issuer: oidctest.New(t), APIKeys: []string{apiKey}})
	body := map[string]any{"model": "m", "max_tokens": 10,
		"messages": []any{map[string]any{"role": "user", "content": []any{textBlock("short", true)}}}}
	if _, u, _ := post(t, srv, body); u.CacheCreationInputTokens != 0 || u.InputTokens == 0 {
		t.Errorf("usage = %+v, want a short prefix not cached", u)
	}
}

// TestContextWindow: a prompt over the window is refused with the API's
// wording; under it is answered.
func TestContextWindow(t *testing.T) {
	srv := anthropictest.New(t, anthropictest.Config{Issuer: oidctest.New(t), APIKeys: []string{apiKey}, ContextWindow: 100})
	small := map[string]any{"model": "m", "max_tokens": 10, "messages": []any{map[string]any{"role": "user", "content": "hi"}}}
	if status, _, msg := post(t, srv, small); status != 200 {
		t.Fatalf("small prompt: %d %s", status, msg)
	}
	big := map[string]any{"model": "m", "max_tokens": 10, "messages": []any{map[string]any{"role": "user", "content": strings.Repeat("x", 800)}}}
	status, _, msg := post(t, srv, big)
	if status != 400 || !strings.HasPrefix(msg, "prompt is too long: ") || !strings.HasSuffix(msg, " tokens > 100 maximum") {
		t.Fatalf("big prompt: %d %q", status, msg)
	}
	srv.SetContextWindow(0)
	if status, _, msg := post(t, srv, big); status != 200 {
		t.Fatalf("no window: %d %s", status, msg)
	}
}
