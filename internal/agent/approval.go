package agent

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hermes-agent/hermes/internal/agent/tools"
)

// Permission modes (Config.PermissionMode), Claude Code's values.
const (
	// ModeDefault asks (through Config.Approver) before write_file,
	// edit_file and bash unless a rule already allows or denies the call.
	ModeDefault = "default"
	// ModeAcceptEdits allows the file-editing tools and asks for bash.
	ModeAcceptEdits = "acceptEdits"
	// ModeBypassPermissions allows every tool call the rules do not deny.
	ModeBypassPermissions = "bypassPermissions"
	// ModePlan offers only the read-only tools.
	ModePlan = "plan"
)

// Approver is asked before a tool call that needs permission and is not
// already allowed or denied by the rules. nil Config.Approver: nobody can be
// asked (no terminal, cron, CI) → such calls are denied with a message that
// says which --allowed-tools rule would allow them.
type Approver interface {
	Approve(ctx context.Context, req ApprovalRequest) (Approval, error)
}

// ApprovalRequest describes one tool call waiting for permission.
type ApprovalRequest = tools.ApprovalRequest

// Approval is the answer to an ApprovalRequest.
type Approval struct {
	Allow  bool
	Always bool   // remember for the rest of this session (the agent adds a rule)
	Reason string // when !Allow: told to the model ("permission denied: <reason>")
}

// ApproverFunc adapts a function to Approver.
type ApproverFunc func(ctx context.Context, req ApprovalRequest) (Approval, error)

// Approve calls f.
func (f ApproverFunc) Approve(ctx context.Context, req ApprovalRequest) (Approval, error) {
	return f(ctx, req)
}

// TextFiles, when set, backs the file tools' reads and writes of text files
// (ACP clients with fs.readTextFile / fs.writeTextFile). Paths are absolute and
// have already passed the work-dir and credential-store checks.
type TextFiles = tools.TextFiles

// Tool kinds (Event.Kind on "tool_use"), ACP's tool_call kinds.
const (
	KindRead     = string(tools.Read)
	KindEdit     = string(tools.Edit)
	KindExecute  = string(tools.Execute)
	KindSearch   = string(tools.Search)
	KindDelegate = string(tools.Delegate)
	KindOther    = string(tools.Other)
)

// ShowText is s made safe to show on a terminal in an approval question:
// control characters (ESC, CR, BEL, backspace, DEL, C1) and Unicode
// direction overrides become visible escapes (\x1b, \r, \u202e) so what
// the user reads is what runs; newlines and tabs are kept, invalid UTF-8
// is shown byte by byte.
func ShowText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += n
	}
	return b.String()
}
