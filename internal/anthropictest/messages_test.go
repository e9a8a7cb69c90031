package anthropictest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

const apiKey = "sk-ant-api03-test-key-0123456789abcdef"

func newPair(t *testing.T) (*oidctest.Issuer, *anthropictest.Server) {
	t.Helper()
	iss := oidctest.New(t)
	return iss, anthropictest.New(t, anthropictest.Config{Issuer: iss, APIKeys: []string{apiKey}})
}

// accessToken performs one exchange and returns the minted token.
func accessToken(t *testing.T, iss *oidctest.Issuer, srv *anthropictest.Server) string {
	t.Helper()
	r := exchange(t, srv, defaultFields(iss.Mint(oidctest.Claims{})))
	tok, _ := r.body["access_token"].(string)
	if tok == "" {
		t.Fatalf("exchange failed: %d %s", r.status, r.raw)
	}
	return tok
}

const helloBody = `{"model":"claude-sonnet-5-5","max_tokens":100,"messages":[{"role":"user","content":"hello there"}]}`

func TestMessagesAuthentication(t *testing.T) {
	iss, srv := newPair(t)
	tok := accessToken(t, iss, srv)
	v := "2023-06-01"
	cases := []struct {
		name   string
		header map[string]string
		status int
		scheme string
	}{
		{"api key", map[string]string{"x-api-key": apiKey, "anthropic-version": v}, 200, "x-api-key"},
		{"bearer token", map[string]string{"Authorization": "Bearer " + tok, "anthropic-beta": "oauth-2025-04-20", "anthropic-version": v}, 200, "bearer"},
		{"bearer with other betas", map[string]string{"Authorization": "Bearer " + tok, "anthropic-beta": "foo-1, oauth-2025-04-20", "anthropic-version": v}, 200, "bearer"},
		{"bearer without oauth beta", map[string]string{"Authorization": "Bearer " + tok, "anthropic-version": v}, 401, "bearer"},
		{"bearer with workspace header", map[string]string{"Authorization": "Bearer " + tok, "anthropic-beta": "oauth-2025-04-20", "anthropic-version": v, "anthropic-workspace-id": "wrkspc_x"}, 400, "bearer"},
		{"oauth token as x-api-key", map[string]string{"x-api-key": tok, "anthropic-version": v}, 401, "x-api-key"},
		{"api key as bearer", map[string]string{"Authorization": "Bearer " + apiKey, "anthropic-beta": "oauth-2025-04-20", "anthropic-version": v}, 401, "bearer"},
		{"unknown api key", map[string]string{"x-api-key": "sk-ant-api03-nope", "anthropic-version": v}, 401, "x-api-key"},
		{"basic scheme", map[string]string{"Authorization": "Basic " + tok, "anthropic-version": v}, 401, "other"},
		{"both headers", map[string]string{"x-api-key": apiKey, "Authorization": "Bearer " + tok, "anthropic-version": v}, 401, "other"},
		{"nothing", map[string]string{"anthropic-version": v}, 401, "none"},
		{"no version", map[string]string{"x-api-key": apiKey}, 400, "x-api-key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.header["Content-Type"] = "application/json"
			r := do(t, http.MethodPost, srv.URL+"/v1/messages", c.header, helloBody)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.raw)
			}
			if c.status == 401 && errType(r) != "authentication_error" {
				t.Errorf("401 error type %q", errType(r))
			}
			reqs := srv.Requests()
			last := reqs[len(reqs)-1]
			if last.AuthScheme != c.scheme || last.Status != c.status || last.RequestID != r.header.Get("request-id") {
				t.Errorf("recorded %+v", last)
			}
		})
	}
	t.Run("expired token", func(t *testing.T) {
		srv.ExpireTokens()
		r := do(t, http.MethodPost, srv.URL+"/v1/messages", map[string]string{
			"Authorization": "Bearer " + tok, "anthropic-beta": "oauth-2025-04-20", "anthropic-version": v}, helloBody)
		if r.status != 401 || errType(r) != "authentication_error" {
			t.Errorf("expired token: %d %s", r.status, r.raw)
		}
	})
}

func TestMessagesJSONDefaultEcho(t *testing.T) {
	_, srv := newPair(t)
	r := do(t, http.MethodPost, srv.URL+"/v1/messages", map[string]string{
		"x-api-key": apiKey, "anthropic-version": "2023-06-01", "User-Agent": "hermes-test/1",
		"Content-Type": "application/json"}, `{"model":"m","max_tokens":5,"system":"be brief","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"tools":[{"name":"t1","input_schema":{"type":"object"}}]}`)
	if r.status != 200 || r.body["type"] != "message" || r.body["stop_reason"] != "end_turn" {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	content := r.body["content"].([]any)
	if content[0].(map[string]any)["text"] != "echo: hi" {
		t.Errorf("content = %v", content)
	}
	mr := srv.MessageRequests()
	if len(mr) != 1 || mr[0].Model != "m" || mr[0].System != "be brief" || mr[0].Tools[0].Name != "t1" || mr[0].Stream || mr[0].LastUserText() != "hi" {
		t.Errorf("recorded body = %+v", mr)
	}
	if req := srv.Requests()[0]; req.UserAgent != "hermes-test/1" || req.Version != "2023-06-01" || req.CredentialHash != anthropictest.HashCredential(apiKey) {
		t.Errorf("recorded request = %+v", req)
	}
}

func TestMessagesValidation(t *testing.T) {
	_, srv := newPair(t)
	h := map[string]string{"x-api-key": apiKey, "anthropic-version": "2023-06-01"}
	for _, body := range []string{`{`, `{"max_tokens":5,"messages":[{"role":"user","content":"x"}]}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}]}`, `{"model":"m","max_tokens":5,"messages":[]}`,
		`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":5}]}`} {
		if r := do(t, http.MethodPost, srv.URL+"/v1/messages", h, body); r.status != 400 || errType(r) != "invalid_request_error" {
			t.Errorf("%s: %d %s", body, r.status, r.raw)
		}
	}
}

// sdkClient is an SDK client on the stand-in with an API key in x-api-key
// (the SDK's own WithAPIKey sends it as a bearer token, which the API refuses).
func sdkClient(srv *anthropictest.Server, opts ...option.RequestOption) anthropic.Client {
	return anthropic.NewClient(append([]option.RequestOption{
		option.WithoutEnvironmentDefaults(), option.WithBaseURL(srv.URL), option.WithHeader("x-api-key", apiKey),
		option.WithMaxRetries(0)}, opts...)...)
}

func userParams(text string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{Model: anthropic.ModelClaudeSonnet5_5, MaxTokens: 256,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(text))}}
}

func TestScriptedRepliesWithSDK(t *testing.T) {
	_, srv := newPair(t)
	client := sdkClient(srv)
	srv.Script(
		anthropictest.Reply{Text: "Let me look.", ToolUses: []anthropictest.ToolUse{{ID: "toolu_1", Name: "read_file", Input: map[string]any{"path": "/etc/hosts", "lines": 10}}}},
		anthropictest.Reply{Text: "Done, twice over.", Usage: &anthropictest.Usage{InputTokens: 7, OutputTokens: 3}},
	)
	ctx := context.Background()

	stream := client.Messages.NewStreaming(ctx, userParams("read it"))
	var msg anthropic.Message
	var types []string
	for stream.Next() {
		ev := stream.Current()
		types = append(types, ev.Type)
		if err := msg.Accumulate(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	// The SDK swallows ping events; TestRawSSEFraming sees them.
	wantTypes := "message_start content_block_start content_block_delta content_block_delta content_block_delta content_block_stop " +
		"content_block_start content_block_delta"
	if !strings.HasPrefix(strings.Join(types, " "), wantTypes) || types[len(types)-2] != "message_delta" || types[len(types)-1] != "message_stop" {
		t.Errorf("event sequence = %v", types)
	}
	if len(msg.Content) != 2 || msg.Content[0].Text != "Let me look." || msg.StopReason != "tool_use" {
		t.Fatalf("accumulated = %+v", msg)
	}
	tu := msg.Content[1].AsToolUse()
	var input map[string]any
	if err := json.Unmarshal(tu.Input, &input); err != nil || tu.Name != "read_file" || tu.ID != "toolu_1" || input["path"] != "/etc/hosts" {
		t.Errorf("tool use = %+v (%v)", tu, err)
	}

	// Second turn: send the tool result; the next scripted reply is JSON.
	params := userParams("read it")
	params.Messages = append(params.Messages, msg.ToParam(),
		anthropic.NewUserMessage(anthropic.NewToolResultBlock("toolu_1", "127.0.0.1 localhost", false)))
	res, err := client.Messages.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if res.Content[0].Text != "Done, twice over." || res.Usage.InputTokens != 7 || res.StopReason != "end_turn" {
		t.Errorf("reply = %+v", res)
	}
	// Queue empty: echo of the tool result.
	params.Messages = append(params.Messages, res.ToParam(),
		anthropic.NewUserMessage(anthropic.NewToolResultBlock("toolu_1", "more output", false)))
	res, err = client.Messages.New(ctx, params)
	if err != nil || res.Content[0].Text != "echo: more output" {
		t.Fatalf("default reply = %+v, %v", res, err)
	}
	mr := srv.MessageRequests()
	if len(mr) != 3 || !mr[0].Stream || mr[1].Messages[2].Content[0].Type != "tool_result" || mr[1].Messages[2].Content[0].ToolUseID != "toolu_1" {
		t.Errorf("recorded requests = %+v", mr)
	}
}

func TestRawSSEFraming(t *testing.T) {
	_, srv := newPair(t)
	srv.Script(anthropictest.Reply{Text: "a b"})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/messages", strings.NewReader(`{"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]}`))
	req.Header.Set("x-api-key", apiKey)
	req.Header.Set("anthropic-version", "2023-06-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	var events []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "event: "); ok {
			events = append(events, name)
			if !sc.Scan() || !strings.HasPrefix(sc.Text(), "data: {\"type\":\""+name+"\"") && name != "ping" {
				t.Errorf("event %s: data line %q", name, sc.Text())
			}
		}
	}
	want := "message_start content_block_start ping content_block_delta content_block_delta content_block_stop message_delta message_stop"
	if strings.Join(events, " ") != want {
		t.Errorf("events = %v", events)
	}
}

func TestCountTokensAndModels(t *testing.T) {
	_, srv := newPair(t)
	client := sdkClient(srv)
	ctx := context.Background()
	n, err := client.Messages.CountTokens(ctx, anthropic.MessageCountTokensParams{Model: anthropic.ModelClaudeSonnet5_5,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("count me"))}})
	if err != nil || n.InputTokens <= 0 {
		t.Fatalf("count_tokens = %+v, %v", n, err)
	}
	page, err := client.Models.List(ctx, anthropic.ModelListParams{})
	if err != nil || len(page.Data) != len(anthropictest.Models())-1 { // all but the retired one
		t.Fatalf("models = %+v, %v", page, err)
	}
	m, err := client.Models.Get(ctx, anthropictest.Models()[0].ID, anthropic.ModelGetParams{})
	if err != nil || m.ID != anthropictest.Models()[0].ID {
		t.Fatalf("model = %+v, %v", m, err)
	}
	if _, err := client.Models.Get(ctx, "nope", anthropic.ModelGetParams{}); err == nil {
		t.Error("unknown model found")
	}
	if r := do(t, http.MethodGet, srv.URL+"/v2/nothing", nil, ""); r.status != 404 || errType(r) != "not_found_error" {
		t.Errorf("unknown route: %d %s", r.status, r.raw)
	}
}
