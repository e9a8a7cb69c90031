package agent

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/param"
)

// Conversions between a session's messages and the API's (moved here
// from the Conversation methods when sessions moved to internal/session).

// params is conv as the API takes it.
func params(c *Conversation) []anthropic.MessageParam {
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

// messageText joins the text blocks of m.
func messageText(m Message) string {
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
