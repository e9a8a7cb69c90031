package agent

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/param"

	"github.com/hermes-agent/hermes/internal/agent/tools"
)

// Conversation is one chat: what was said, with which model. It is our own
// serialisable type rather than the SDK's params so session files stay
// readable and stable across SDK versions.
type Conversation struct {
	ID string `json:"id"`
	// Model, when set, overrides Config.Model for this conversation (a
	// resumed session keeps its model). System, when set, is sent after
	// Config.System's blocks (--append-system-prompt, kept with the session).
	Model    string    `json:"model,omitempty"`
	System   string    `json:"system,omitempty"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Messages []Message `json:"messages"`
	// Compactions note each time older turns were replaced by a summary;
	// the replaced messages are in the side files they name.
	Compactions []Compaction `json:"compactions,omitempty"`

	// archive holds the messages replaced since the last save; Store.Save
	// writes them to side files.
	archive [][]Message
}

// Message is one turn of the conversation.
type Message struct {
	Role    string  `json:"role"` // "user" or "assistant"
	Content []Block `json:"content"`
}

// Block is one content block: text, a tool call or a tool's result.
type Block struct {
	Type      string          `json:"type"` // "text", "tool_use", "tool_result"
	Text      string          `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`   // tool_use
	Name      string          `json:"name,omitempty"` // tool_use
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"` // tool_result
	Content   string          `json:"content,omitempty"`     // tool_result
	IsError   bool            `json:"is_error,omitempty"`    // tool_result
	// Images are a tool_result's image blocks (an MCP tool's), after
	// its text.
	Images []tools.Image `json:"images,omitempty"`
	// Raw is a server tool's block (server_tool_use, web_search_tool_result,
	// web_fetch_tool_result) as the API sent it: sent back verbatim.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// NewConversation starts an empty conversation with a fresh ID.
func NewConversation(now time.Time) *Conversation {
	return &Conversation{ID: NewID(now), Created: now.UTC(), Updated: now.UTC()}
}

// NewID returns a session id: sortable by time, unique by 6 random bytes.
func NewID(now time.Time) string {
	var b [6]byte
	rand.Read(b[:])
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// Title is a one-line summary: the start of the first user prompt.
func (c *Conversation) Title() string {
	for _, m := range c.Messages {
		if m.Role != "user" {
			continue
		}
		for _, b := range m.Content {
			if b.Type == "text" {
				t := strings.Join(strings.Fields(b.Text), " ")
				if r := []rune(t); len(r) > 60 {
					t = string(r[:59]) + "…"
				}
				return t
			}
		}
	}
	return ""
}

func (c *Conversation) params() []anthropic.MessageParam {
	out := make([]anthropic.MessageParam, 0, len(c.Messages))
	for _, m := range c.Messages {
		blocks := make([]anthropic.ContentBlockParamUnion, 0, len(m.Content))
		for _, b := range m.Content {
			switch b.Type {
			case "text":
				blocks = append(blocks, anthropic.NewTextBlock(b.Text))
			case "tool_use":
				input := b.Input
				if len(input) == 0 {
					input = json.RawMessage(`{}`)
				}
				blocks = append(blocks, anthropic.NewToolUseBlock(b.ID, input, b.Name))
			case "tool_result":
				blocks = append(blocks, toolResultParam(b))
			default:
				if serverBlock(b.Type) && json.Valid(b.Raw) {
					blocks = append(blocks, param.Override[anthropic.ContentBlockParamUnion](b.Raw))
				}
			}
		}
		if m.Role == "assistant" {
			out = append(out, anthropic.NewAssistantMessage(blocks...))
		} else {
			out = append(out, anthropic.NewUserMessage(blocks...))
		}
	}
	return out
}

// serverBlock reports whether typ is a server tool's call or result.
func serverBlock(typ string) bool {
	switch typ {
	case "server_tool_use", "web_search_tool_result", "web_fetch_tool_result":
		return true
	}
	return false
}

// fromAPI keeps the blocks we can send back: text, tool calls and server
// tools' calls and results. Other kinds (thinking is never enabled here)
// are dropped.
func fromAPI(msg *anthropic.Message) Message {
	m := Message{Role: "assistant"}
	for _, c := range msg.Content {
		switch c.Type {
		case "text":
			m.Content = append(m.Content, Block{Type: "text", Text: c.Text})
		case "tool_use":
			input := json.RawMessage(c.Input)
			if !json.Valid(input) {
				input = json.RawMessage(`{}`)
			}
			m.Content = append(m.Content, Block{Type: "tool_use", ID: c.ID, Name: c.Name, Input: input})
		default:
			if raw := json.RawMessage(c.RawJSON()); serverBlock(c.Type) && json.Valid(raw) {
				m.Content = append(m.Content, Block{Type: c.Type, ID: c.ID, Name: c.Name, ToolUseID: c.ToolUseID, Raw: raw})
			}
		}
	}
	return m
}

// text joins the text blocks of m.
func (m Message) text() string {
	var b strings.Builder
	for _, c := range m.Content {
		if c.Type == "text" {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}

// toolResultParam is a tool_result block: its text, then its images.
func toolResultParam(b Block) anthropic.ContentBlockParamUnion {
	p := anthropic.NewToolResultBlock(b.ToolUseID, b.Content, b.IsError)
	for _, img := range b.Images {
		p.OfToolResult.Content = append(p.OfToolResult.Content, anthropic.ToolResultBlockParamContentUnion{OfImage: &anthropic.ImageBlockParam{
			Source: anthropic.ImageBlockParamSourceUnion{OfBase64: &anthropic.Base64ImageSourceParam{
				Data: base64.StdEncoding.EncodeToString(img.Data), MediaType: anthropic.Base64ImageSourceMediaType(img.MediaType)}}}})
	}
	return p
}
