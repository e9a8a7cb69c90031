package agent

import "github.com/hermes-agent/hermes/internal/session"

// The session types live in internal/session; these names keep the
// agent's callers (chats, acp, cron, the bot) compiling unchanged.
type (
	Conversation = session.Conversation
	Message      = session.Message
	Block        = session.Block
	Compaction   = session.Compaction
	Store        = session.Store
	SessionLock  = session.SessionLock
	SessionInfo  = session.SessionInfo
)

// The session functions and errors, under their old names.
var (
	NewConversation = session.NewConversation
	NewID           = session.NewID
	NewStore        = session.NewStore
	CheckID         = session.CheckID
	ErrNoSession    = session.ErrNoSession
	ErrSessionInUse = session.ErrSessionInUse
)
