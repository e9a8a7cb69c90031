// Package session is hermes's saved conversations: the Conversation type
// (our own, serialisable, stable across SDK versions), the Store of
// session files under HERMES_HOME/sessions and the cross-process lock on
// an open session.
package session

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

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

	// Archived holds the messages compactions replaced since the last
	// save; Store.Save writes them to side files (never to the session
	// file itself).
	Archived [][]Message `json:"-"`
}

// Compaction notes one compaction in the session file.
type Compaction struct {
	At time.Time `json:"at"`
	// Replaced is how many messages the summary replaced.
	Replaced int `json:"replaced"`
	// Archive is the side file (in the sessions directory) holding them.
	Archive string `json:"archive,omitempty"`
	Focus   string `json:"focus,omitempty"`
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
