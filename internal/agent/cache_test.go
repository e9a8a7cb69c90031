package agent

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/models"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

const standInKey = "sk-ant-api03-SENTINEL-agent-cache-test-key"

func standIn(t *testing.T, cfg anthropictest.Config) (*anthropictest.Server, *credential.Runtime) {
	t.Helper()
	cfg.Issuer = oidctest.New(t)
	cfg.APIKeys = []string{standInKey}
	api := anthropictest.New(t, cfg)
	return api, credential.NewStaticRuntime(api.URL, credential.ModeAPIKey, credential.KindAPIKey, "test", standInKey)
}

// breakpoints lists where a recorded request carries cache_control:
// "system", "tool:NAME" or "message:I" (the message index).
func breakpoints(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var body struct {
		System   []map[string]any `json:"system"`
		Tools    []map[string]any `json:"tools"`
		Messages []struct {
			Content []map[string]any `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, b := range body.System {
		if b["cache_control"] != nil {
			out = append(out, "system:"+itoa(i))
		}
	}
	for _, b := range body.Tools {
		if b["cache_control"] != nil {
			out = append(out, "tool:"+b["name"].(string))
		}
	}
	for i, m := range body.Messages {
		for j, b := range m.Content {
			if b["cache_control"] != nil {
				out = append(out, "message:"+itoa(i)+"."+itoa(j))
			}
		}
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestCacheBreakpointsMove: every request marks the end of the system
// prompt and the last block of its last message; the message breakpoint
// moves as the history grows, so each call reads what the previous wrote.
func TestCacheBreakpointsMove(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte(strings.Repeat("file content ", 400)), 0o600)
	api, rt := standIn(t, anthropictest.Config{MinCacheTokens: 1})
	api.Script(
		anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{Name: ToolReadFile, Input: map[string]string{"path": "a.txt"}}}},
		anthropictest.Reply{Text: "read it"},
	)
	a := newAgent(t, rt, Config{Model: anthropic.ModelClaudeSonnet5_5, System: []string{"be brief"}, Tools: []string{ToolReadFile}, WorkDir: dir})
	conv := NewConversation(time.Now())
	res, err := a.Send(context.Background(), conv, "read a.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	stats := api.CacheStats()
	if _, err := a.Send(context.Background(), conv, "thanks", nil); err != nil {
		t.Fatal(err)
	}
	reqs := api.MessageRequests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	want := [][]string{{"system:0", "message:0.0"}, {"system:0", "message:2.0"}, {"system:0", "message:4.0"}}
	for i, r := range reqs {
		if got := breakpoints(t, r.Raw); strings.Join(got, " ") != strings.Join(want[i], " ") {
			t.Errorf("request %d breakpoints = %v, want %v", i+1, got, want[i])
		}
	}
	// The second call of the tool loop read the first one's prefix.
	if res.Usage.CacheReadInputTokens == 0 || res.Usage.CacheCreationInputTokens == 0 {
		t.Errorf("usage = %+v, want cache reads and writes counted", res.Usage)
	}
	if res.Usage.PromptTokens() != int64(stats.Total()) || res.Usage.CacheReadInputTokens != int64(stats.CacheRead) {
		t.Errorf("usage %+v does not sum the stand-in's %+v", res.Usage, stats)
	}
	want3, _ := models.Cost(anthropic.ModelClaudeSonnet5_5, res.Usage.InputTokens, res.Usage.CacheCreationInputTokens, res.Usage.CacheReadInputTokens, res.Usage.OutputTokens)
	if c := res.TotalCostUSD(); c == nil || math.Abs(*c-want3) > 1e-12 || *c <= 0 {
		t.Errorf("cost = %v, want %v", c, want3)
	}
}

// TestNoSystemPromptMarksTheLastTool: without a system prompt the stable
// prefix ends at the last tool definition.
func TestNoSystemPromptMarksTheLastTool(t *testing.T) {
	api, rt := standIn(t, anthropictest.Config{})
	a := newAgent(t, rt, Config{Tools: []string{ToolReadFile, ToolGrep}})
	if _, err := a.Send(context.Background(), NewConversation(time.Now()), "hi", nil); err != nil {
		t.Fatal(err)
	}
	if got := breakpoints(t, api.MessageRequests()[0].Raw); strings.Join(got, " ") != "tool:grep message:0.0" {
		t.Errorf("breakpoints = %v", got)
	}
}

// TestUsageAndCostSumSubAgents: sub-agents' cache tokens and cost are in
// the top agent's result, and a message_stop event carries each call's
// usage.
func TestUsageAndCostSumSubAgents(t *testing.T) {
	api, rt := standIn(t, anthropictest.Config{MinCacheTokens: 1})
	api.Script(
		anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{Name: ToolDelegate, Input: map[string]string{"task": "t1"}}, {Name: ToolDelegate, Input: map[string]string{"task": "t2"}}}},
		anthropictest.Reply{Text: "sub one"},
		anthropictest.Reply{Text: "sub two"},
		anthropictest.Reply{Text: "all done"},
	)
	a := newAgent(t, rt, Config{Model: anthropic.ModelClaudeOpus5_5, Tools: []string{ToolDelegate}, MaxParallel: 1})
	var perCall Usage
	calls := 0
	res, err := a.Send(context.Background(), NewConversation(time.Now()), "split", func(e Event) {
		if e.Type == "message_stop" {
			calls++
			perCall.add(*e.Usage)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	stats := api.CacheStats()
	if calls != 4 || stats.Requests != 4 {
		t.Fatalf("%d message_stop events, %d requests", calls, stats.Requests)
	}
	u := res.Usage
	if u.InputTokens != int64(stats.InputTokens) || u.CacheCreationInputTokens != int64(stats.CacheCreation) || u.CacheReadInputTokens != int64(stats.CacheRead) {
		t.Errorf("usage = %+v, stand-in reported %+v", u, stats)
	}
	if u.CacheCreationInputTokens == 0 {
		t.Error("no cache writes counted")
	}
	c, ok := u.Cost()
	pc, _ := perCall.Cost()
	if !ok || c <= 0 || math.Abs(c-pc) > 1e-12 || perCall.OutputTokens != u.OutputTokens {
		t.Errorf("cost %v (%t), per-call sum %v; usage %+v, per call %+v", c, ok, pc, u, perCall)
	}
}

// TestUnknownModelHasNoCost: a model without a price gives tokens but no
// cost, never a guess.
func TestUnknownModelHasNoCost(t *testing.T) {
	_, rt := standIn(t, anthropictest.Config{})
	a := newAgent(t, rt, Config{Model: "claude-unpriced-1"})
	res, err := a.Send(context.Background(), NewConversation(time.Now()), "hi", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Usage.InputTokens == 0 || res.TotalCostUSD() != nil {
		t.Errorf("usage = %+v, cost %v", res.Usage, res.TotalCostUSD())
	}
	b, _ := json.Marshal(res.Usage)
	if strings.Contains(string(b), "cost") {
		t.Errorf("usage JSON %s names a cost", b)
	}
}
