package anthropicstandin

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Reply is one scripted answer of /v1/messages.
type Reply struct {
	Text     string
	ToolUses []ToolUse
	// ServerToolUses are server tools the API ran during this reply
	// (web_search, web_fetch): each a server_tool_use block and its
	// result block, before the text. One the request did not declare is
	// left out, as the API would never call it.
	ServerToolUses []ServerToolUse
	// StopReason defaults to "tool_use" when there are ToolUses, else "end_turn".
	StopReason string
	// Usage defaults to a deterministic count from the request and reply sizes.
	Usage *Usage
	// Stall, on a streamed reply, sends the text deltas and then holds the
	// stream open until the client goes away: an answer still being
	// written, for tests of streaming display and cancellation.
	Stall bool
}

// ToolUse is a tool_use content block of a scripted reply.
type ToolUse struct {
	ID    string // default: toolu_ + random
	Name  string
	Input any // marshalled to JSON; nil gives {}
}

// ServerToolUse is a server tool's call and result in a scripted reply.
type ServerToolUse struct {
	Name  string // web_search or web_fetch
	Input any    // marshalled to JSON; nil gives {}
	// Results are the pages found (web_search) or, first, the page
	// fetched (web_fetch).
	Results []WebResult
	// ErrorCode, when set, makes the result an error
	// ("max_uses_exceeded", "url_not_allowed", …).
	ErrorCode string
}

// WebResult is one page of a server tool's result.
type WebResult struct {
	Title, URL, Text string
}

// WebFetchBeta is the anthropic-beta value a request declaring
// web_fetch_20250910 must carry.
const WebFetchBeta = "web-fetch-2025-09-10"

// Usage is a reply's token usage.
type Usage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
}

// MessagesRequest is a decoded /v1/messages (or count_tokens) request body.
type MessagesRequest struct {
	Path      string // /v1/messages or /v1/messages/count_tokens
	Model     string
	MaxTokens int
	// System is the system prompt's text (text blocks joined by "\n").
	System   string
	Messages []Message
	Tools    []Tool
	// ToolChoice is tool_choice's type ("auto", "any", "tool", "none"; ""
	// when not sent).
	ToolChoice string
	Stream     bool
	Raw        json.RawMessage // the whole body, for anything not decoded here
}

// Message is one turn of a request.
type Message struct {
	Role    string
	Content []ContentBlock // a string content arrives as one text block
}

// ContentBlock is a content block of a request message.
type ContentBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`          // tool_use
	Name      string          `json:"name,omitempty"`        // tool_use
	Input     json.RawMessage `json:"input,omitempty"`       // tool_use
	ToolUseID string          `json:"tool_use_id,omitempty"` // tool_result
	Content   json.RawMessage `json:"content,omitempty"`     // tool_result: string or blocks
	IsError   bool            `json:"is_error,omitempty"`    // tool_result
}

// Tool is a tool definition of a request.
type Tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema,omitempty"`
	Type        string          `json:"type,omitempty"`
}

// ResultText is the text of a block: Text for text blocks, the
// content's text for tool_result blocks.
func (b ContentBlock) ResultText() string {
	if b.Type == "text" {
		return b.Text
	}
	return textOf(b.Content)
}

// LastUserText is the text of the last user turn: its text blocks, or if
// it has none (a turn of tool results) the tool results' text.
func (m MessagesRequest) LastUserText() string {
	for i := len(m.Messages) - 1; i >= 0; i-- {
		msg := m.Messages[i]
		if msg.Role != "user" {
			continue
		}
		var text, results []string
		for _, b := range msg.Content {
			switch b.Type {
			case "text":
				text = append(text, b.Text)
			case "tool_result":
				results = append(results, b.ResultText())
			}
		}
		if len(text) == 0 {
			text = results
		}
		return strings.Join(text, "\n")
	}
	return ""
}

// MessageRequests returns every decoded messages request body, in order.
func (s *Server) MessageRequests() []MessagesRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]MessagesRequest(nil), s.messages...)
}

// Script queues replies for /v1/messages, consumed in order. With the
// queue empty, the reply is "echo: " + the last user text.
func (s *Server) Script(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, replies...)
}

func (s *Server) nextReply(req *MessagesRequest) Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) > 0 {
		r := s.script[0]
		s.script = s.script[1:]
		return r
	}
	if s.autoTool != nil {
		return s.autoTool.reply(req)
	}
	return Reply{Text: "echo: " + req.LastUserText()}
}

// autoTool is SetAutoTool's behaviour.
type autoTool struct {
	name  string
	input any
}

func (a *autoTool) reply(req *MessagesRequest) Reply {
	last := req.Messages[len(req.Messages)-1]
	switch {
	case req.ToolChoice == "none":
		// A summary or any answer that may not use tools: text only.
		return Reply{Text: fmt.Sprintf("summary of %d messages: the user asked questions and the files were read.", len(req.Messages)-1)}
	case len(last.Content) > 0 && last.Content[0].Type == "tool_result":
		text := last.Content[0].ResultText()
		if len(text) > 60 {
			text = text[:60]
		}
		return Reply{Text: "done: " + text}
	}
	return Reply{ToolUses: []ToolUse{{Name: a.name, Input: a.input}}}
}

// SetAutoTool makes unscripted replies a working tool session: a user
// prompt is answered with one call of tool (with input), its result with
// a short text answer, and a request with tool_choice "none" (a summary)
// with text. An empty tool name turns it off (back to echo).
func (s *Server) SetAutoTool(tool string, input any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.autoTool = nil
	if tool != "" {
		s.autoTool = &autoTool{name: tool, input: input}
	}
}

// authenticate checks an API request's credential the way the API does and
// writes the 401 itself when it fails.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) bool {
	scheme, cred := authOf(r)
	fail := func(msg string) bool {
		writeError(w, http.StatusUnauthorized, "authentication_error", msg)
		return false
	}
	switch scheme {
	case "none":
		return fail("x-api-key header is required")
	case "other":
		return fail("invalid authentication: use x-api-key or Authorization: Bearer, not both or another scheme")
	case "x-api-key":
		if strings.HasPrefix(cred, "sk-ant-oat") {
			return fail("OAuth tokens are not API keys: send them as Authorization: Bearer")
		}
		for _, k := range s.cfg.APIKeys {
			if k == cred {
				return true
			}
		}
		return fail("invalid x-api-key")
	}
	s.mu.Lock()
	m := s.tokens[cred]
	expired := m != nil && (m.revoked || !s.cfg.Now().Before(m.expiry))
	s.mu.Unlock()
	switch {
	case m == nil:
		return fail("Invalid bearer token")
	case expired:
		return fail("OAuth token has expired")
	case !betaHas(r, OAuthBeta):
		return fail("OAuth authentication is currently not supported without the " + OAuthBeta + " beta")
	case r.Header.Get("anthropic-workspace-id") != "":
		writeError(w, http.StatusBadRequest, "invalid_request_error", "anthropic-workspace-id is not supported with OAuth tokens")
		return false
	}
	return true
}

// checkAPI is the common gate of the API routes: version header, then auth.
func (s *Server) checkAPI(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("anthropic-version") == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "anthropic-version: header is required")
		return false
	}
	return s.authenticate(w, r)
}

// readMessages decodes and validates a messages request body.
func (s *Server) readMessages(w http.ResponseWriter, r *http.Request, countOnly bool) (*MessagesRequest, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "could not read the request body")
		return nil, false
	}
	var raw struct {
		Model     string          `json:"model"`
		MaxTokens int             `json:"max_tokens"`
		System    json.RawMessage `json:"system"`
		Messages  []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
		Tools      []Tool `json:"tools"`
		Stream     bool   `json:"stream"`
		ToolChoice struct {
			Type string `json:"type"`
		} `json:"tool_choice"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "request body is not valid JSON: "+err.Error())
		return nil, false
	}
	req := &MessagesRequest{Path: r.URL.Path, Model: raw.Model, MaxTokens: raw.MaxTokens, System: textOf(raw.System),
		Tools: raw.Tools, ToolChoice: raw.ToolChoice.Type, Stream: raw.Stream, Raw: body}
	for i, m := range raw.Messages {
		blocks, err := contentBlocks(m.Content)
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("messages.%d.content: %v", i, err))
			return nil, false
		}
		req.Messages = append(req.Messages, Message{Role: m.Role, Content: blocks})
	}
	s.mu.Lock()
	s.messages = append(s.messages, *req)
	s.mu.Unlock()
	problem := ""
	switch {
	case req.Model == "":
		problem = "model: Field required"
	case !countOnly && req.MaxTokens <= 0:
		problem = "max_tokens: Field required"
	case len(req.Messages) == 0:
		problem = "messages: at least one message is required"
	}
	if problem != "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", problem)
		return nil, false
	}
	return req, true
}

// contentBlocks accepts a string or an array of blocks.
func contentBlocks(raw json.RawMessage) ([]ContentBlock, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []ContentBlock{{Type: "text", Text: s}}, nil
	}
	var blocks []ContentBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return nil, fmt.Errorf("must be a string or an array of content blocks")
	}
	return blocks, nil
}

// textOf flattens a string-or-text-blocks value to text.
func textOf(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	blocks, err := contentBlocks(raw)
	if err != nil {
		return ""
	}
	var parts []string
	for _, b := range blocks {
		if b.Type == "text" {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func (s *Server) serveMessages(w http.ResponseWriter, r *http.Request) {
	if !s.checkAPI(w, r) {
		return
	}
	req, ok := s.readMessages(w, r, false)
	if !ok {
		return
	}
	if s.refuseModel(w, req.Model) {
		return
	}
	if problem := checkServerTools(r, req); problem != "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", problem)
		return
	}
	segs := segments(req.Raw)
	if !s.checkWindow(w, promptTokens(segs)) {
		return
	}
	reply := s.nextReply(req)
	if reply.Usage == nil {
		u := s.cacheUsage(req.Model, segs)
		reply.Usage = &u
	}
	msg := buildMessage(req, reply)
	s.mu.Lock()
	s.cacheStats.Requests++
	s.cacheStats.InputTokens += msg.usage.InputTokens
	s.cacheStats.CacheCreation += msg.usage.CacheCreationInputTokens
	s.cacheStats.CacheRead += msg.usage.CacheReadInputTokens
	s.usages = append(s.usages, msg.usage)
	s.mu.Unlock()
	if req.Stream {
		s.stream(w, r, msg)
		return
	}
	writeResult(w, r, msg.json())
}

func (s *Server) serveCountTokens(w http.ResponseWriter, r *http.Request) {
	if !s.checkAPI(w, r) {
		return
	}
	req, ok := s.readMessages(w, r, true)
	if !ok {
		return
	}
	writeResult(w, r, map[string]any{"input_tokens": promptTokens(segments(req.Raw))})
}
