package acp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/agent/sysprompt"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/mcp"
	"github.com/hermes-agent/hermes/internal/models"
	"github.com/hermes-agent/hermes/internal/secret"
	"github.com/hermes-agent/hermes/internal/telemetry"
)

// session is one open ACP session: a conversation of the shared store,
// its lock (held while the session is open here), and the agent that
// answers in its work directory.
type session struct {
	id    string
	cwd   string
	agent *agent.Agent
	lock  *agent.SessionLock
	mcp   *mcp.Manager // the session's MCP servers, nil when none

	mu     sync.Mutex
	conv   *agent.Conversation
	busy   bool
	cancel context.CancelFunc // the running prompt's, nil when idle
}

func (ss *session) release() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.cancel != nil {
		ss.cancel()
	}
	if ss.lock != nil {
		ss.lock.Unlock()
		ss.lock = nil
	}
	if ss.mcp != nil {
		ss.mcp.Close()
		ss.mcp = nil
	}
}

// NewSession starts a conversation in req.Cwd. It fails with auth_required
// when no credential resolves.
func (s *Server) NewSession(ctx context.Context, req sdk.NewSessionRequest) (sdk.NewSessionResponse, error) {
	if !s.enter() {
		return sdk.NewSessionResponse{}, errClosing
	}
	defer s.wg.Done()
	cwd, err := checkCwd(req.Cwd)
	if err != nil {
		return sdk.NewSessionResponse{}, err
	}
	conv := agent.NewConversation(s.cfg.Now())
	lock, err := s.store.Lock(conv.ID)
	if err != nil {
		return sdk.NewSessionResponse{}, err
	}
	ss, err := s.open(ctx, conv, lock, cwd, req.McpServers)
	if err != nil {
		lock.Unlock()
		return sdk.NewSessionResponse{}, err
	}
	s.log.Debug("session started", "session", ss.id, "cwd", cwd)
	return sdk.NewSessionResponse{SessionId: sdk.SessionId(ss.id)}, nil
}

// LoadSession opens a stored session (the same store as `hermes chat`,
// so `hermes chat --session ID` continues it too) and replays its history
// as session/update notifications before answering.
func (s *Server) LoadSession(ctx context.Context, req sdk.LoadSessionRequest) (sdk.LoadSessionResponse, error) {
	if !s.enter() {
		return sdk.LoadSessionResponse{}, errClosing
	}
	defer s.wg.Done()
	cwd, err := checkCwd(req.Cwd)
	if err != nil {
		return sdk.LoadSessionResponse{}, err
	}
	id := string(req.SessionId)
	s.mu.Lock()
	_, open := s.sessions[id]
	s.mu.Unlock()
	if open {
		return sdk.LoadSessionResponse{}, sdk.NewInvalidParams(map[string]any{"error": fmt.Sprintf("session %s is already open on this connection", id)})
	}
	conv, lock, err := s.store.Open(id)
	if err != nil {
		if errors.Is(err, agent.ErrNoSession) {
			return sdk.LoadSessionResponse{}, &sdk.RequestError{Code: -32002, Message: "Resource not found: " + err.Error(), Data: map[string]any{"uri": id}}
		}
		return sdk.LoadSessionResponse{}, sdk.NewInvalidParams(map[string]any{"error": err.Error()})
	}
	ss, err := s.open(ctx, conv, lock, cwd, req.McpServers)
	if err != nil {
		lock.Unlock()
		return sdk.LoadSessionResponse{}, err
	}
	ss.mu.Lock()
	msgs := conv.Messages
	ss.mu.Unlock()
	s.replay(ctx, ss, msgs)
	s.log.Debug("session loaded", "session", id, "messages", len(msgs))
	return sdk.LoadSessionResponse{}, nil
}

// errClosing answers a request that arrives while the server shuts down.
var errClosing = sdk.NewInternalError(map[string]any{"error": "hermes is shutting down"})

// enter counts a request that touches sessions or their files, so that
// Close waits for it (nothing is left half-written under HERMES_HOME);
// it reports false once Close has begun. The caller calls s.wg.Done.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// open builds the session's agent and registers it.
func (s *Server) open(ctx context.Context, conv *agent.Conversation, lock *agent.SessionLock, cwd string, editorServers []sdk.McpServer) (*session, error) {
	rt, err := s.runtime(ctx)
	if err != nil {
		return nil, err
	}
	if s.cfg.Model != "" {
		conv.Model = s.cfg.Model
	}
	cfg, err := s.agentConfig(rt, conv.ID, cwd)
	if err != nil {
		return nil, sdk.NewInvalidParams(map[string]any{"error": err.Error()})
	}
	servers, err := s.openMCP(ctx, cwd, cfg.ProtectedEnv, editorServers)
	if err != nil {
		return nil, sdk.NewInvalidParams(map[string]any{"error": err.Error()})
	}
	if servers != nil {
		cfg.MoreTools = servers
	}
	a, err := agent.New(rt, cfg)
	if err != nil {
		servers.Close()
		return nil, sdk.NewInvalidParams(map[string]any{"error": err.Error()})
	}
	s.deprecations.Warn(s.cfg.Warnings, models.Pick(conv.Model, cfg.Model), s.cfg.Now())
	telemetry.CountSession(ctx, "acp")
	ss := &session{id: conv.ID, cwd: cwd, agent: a, lock: lock, conv: conv, mcp: servers}
	s.mu.Lock()
	s.sessions[ss.id] = ss
	s.mu.Unlock()
	return ss, nil
}

// agentConfig is a session's agent: its work dir, the permission rules
// (asking the editor for the rest) and, when the editor offers both fs
// methods, the editor's buffers behind the file tools.
func (s *Server) agentConfig(rt *credential.Runtime, id, cwd string) (agent.Config, error) {
	model := s.cfg.Model
	if model == "" && s.cfg.Getenv != nil {
		model = s.cfg.Getenv("HERMES_MODEL")
	}
	cfg := agent.Config{
		Model:     model,
		MaxTokens: s.cfg.MaxTokens,
		MaxTurns:  s.cfg.MaxTurns,
		Tools:     s.cfg.Tools,
		WorkDir:   cwd,
		// The file tools never hand the model a credential store or
		// token file, even when the editor's project is $HOME.
		Protected: s.secretPaths(),
		ProtectedEnv: func() []string {
			if s.cfg.SecretEnv == nil {
				return nil
			}
			return s.cfg.SecretEnv()
		}(),

		Approver: approver{s: s, id: id},
	}
	if s.cfg.MaxBudgetUSD > 0 {
		cfg.Budget = &agent.Budget{MaxUSD: s.cfg.MaxBudgetUSD}
	}
	eff, err := s.rules(cwd)
	if err != nil {
		return agent.Config{}, err
	}
	cfg.PermissionMode, cfg.Allow, cfg.Deny = eff.Mode, eff.Allow, eff.Deny
	if cfg.Sandbox, err = permission.ResolveSandbox(s.cfg.Home, cwd, s.cfg.Sandbox); err != nil {
		return agent.Config{}, err
	}
	// The session's cwd gives the project instructions, as for a chat
	// started there.
	tools, err := agent.OfferedTools(cfg)
	if err != nil {
		return agent.Config{}, err
	}
	sp := sysprompt.Build(sysprompt.Options{WorkDir: cwd, Home: s.cfg.Home, Tools: tools, PermissionMode: cfg.PermissionMode, Sandbox: string(cfg.Sandbox.Mode),
		Now: s.cfg.Now(), NoProjectInstructions: s.cfg.NoProjectInstructions, Protected: cfg.Protected})
	cfg.System = sp.Blocks
	for _, w := range sp.Warnings {
		s.log.Warn("project instructions", "session", id, "warning", w)
	}
	s.mu.Lock()
	fs := s.clientCaps.Fs
	s.mu.Unlock()
	if fs.ReadTextFile && fs.WriteTextFile {
		cfg.Files = clientFiles{s: s, id: id}
	}
	return cfg, nil
}

// checkCwd accepts an absolute path to a directory, as the protocol requires.
func checkCwd(cwd string) (string, error) {
	if cwd == "" || !filepath.IsAbs(cwd) {
		return "", sdk.NewInvalidParams(map[string]any{"error": fmt.Sprintf("cwd %q must be an absolute path", cwd)})
	}
	fi, err := os.Stat(cwd)
	if err != nil || !fi.IsDir() {
		return "", sdk.NewInvalidParams(map[string]any{"error": fmt.Sprintf("cwd %q is not a directory", cwd)})
	}
	return filepath.Clean(cwd), nil
}

func (s *Server) session(id sdk.SessionId) (*session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[string(id)]
	if !ok {
		return nil, sdk.NewInvalidParams(map[string]any{"error": fmt.Sprintf("unknown session %q: start one with session/new or open it with session/load", id)})
	}
	return ss, nil
}

// Prompt answers one user turn, streaming the answer and tool calls as
// session/update notifications. One prompt at a time per session.
func (s *Server) Prompt(_ context.Context, req sdk.PromptRequest) (resp sdk.PromptResponse, err error) {
	ss, err := s.session(req.SessionId)
	if err != nil {
		return sdk.PromptResponse{}, err
	}
	text, err := promptText(req.Prompt)
	if err != nil {
		return sdk.PromptResponse{}, err
	}
	// The turn runs below the connection's context, not the request's:
	// session/cancel (or the connection ending) is what cancels it.
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	// Counted before the session's lock is taken (the server's lock comes
	// first everywhere), so Close waits for this prompt.
	if !s.enter() {
		return sdk.PromptResponse{StopReason: sdk.StopReasonCancelled}, nil
	}
	ss.mu.Lock()
	if ss.busy {
		ss.mu.Unlock()
		s.wg.Done()
		return sdk.PromptResponse{}, sdk.NewInvalidRequest(map[string]any{"error": fmt.Sprintf("session %s is already answering a prompt: wait for it or send session/cancel", ss.id)})
	}
	ss.busy, ss.cancel = true, cancel
	ss.mu.Unlock()
	defer func() {
		ss.mu.Lock()
		ss.busy, ss.cancel = false, nil
		ss.mu.Unlock()
		s.wg.Done()
	}()
	// A bug in one turn is an error answer, never a dead editor agent.
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("prompt failed", "panic", r, "stack", string(debug.Stack()))
			resp, err = sdk.PromptResponse{}, sdk.NewInternalError(map[string]any{"error": "internal error in hermes; see its log"})
		}
	}()
	return s.run(ctx, ss, text)
}

// run sends the prompt and maps the outcome to a stop reason. The
// conversation is only saved after a complete turn; agent.Send leaves it
// unchanged on error or cancellation.
func (s *Server) run(ctx context.Context, ss *session, text string) (sdk.PromptResponse, error) {
	tr := newTurn(s, ss)
	conv := ss.conv // only this goroutine touches it while busy
	res, err := ss.agent.Send(ctx, conv, text, tr.event)
	var ue *models.UnavailableError
	if errors.As(err, &ue) && s.cfg.Getenv != nil {
		// The default to offer is HERMES_MODEL, unless that is the
		// refused model itself.
		if env := s.cfg.Getenv("HERMES_MODEL"); env != "" && env != ue.Model {
			ue.Default = env
		}
	}
	switch {
	case err == nil:
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		s.log.Debug("prompt cancelled", "session", ss.id)
		return sdk.PromptResponse{StopReason: sdk.StopReasonCancelled}, nil
	case errors.Is(err, agent.ErrTurnLimit):
		tr.message("\n\n" + err.Error())
		return sdk.PromptResponse{StopReason: sdk.StopReasonMaxTurnRequests}, nil
	case errors.As(err, new(*agent.BudgetError)) && res != nil:
		// The partial answer was streamed; say why it stopped. The
		// session keeps it.
		tr.message("\n\n" + err.Error())
		if serr := s.store.Save(conv, s.cfg.Now()); serr != nil {
			s.log.Warn("session not saved", "session", ss.id, "error", serr)
		}
		return sdk.PromptResponse{StopReason: sdk.StopReasonMaxTurnRequests, Usage: usage(res)}, nil
	case isCredentialError(err):
		s.log.Warn("credential failed", "session", ss.id, "error", err)
		rt, _ := s.runtime(ctx)
		msg := secret.RedactShapes(err.Error())
		if rt != nil {
			msg += "\nThe credential used was " + rt.Source + "; check it with `hermes auth status --check`."
		}
		return sdk.PromptResponse{}, &sdk.RequestError{Code: -32000, Message: "Authentication required: " + msg, Data: map[string]any{"details": msg}}
	default:
		s.log.Warn("prompt failed", "session", ss.id, "error", err)
		msg := secret.RedactShapes(err.Error())
		if ue != nil {
			// An editor has no -m per run and no /model: the agent's
			// command line is where a model is chosen, loaded sessions too.
			msg += "\nIn an editor: add --model " + cmp.Or(ue.Suggestion(), "MODEL") + " to the agent's command (hermes acp --model …); it applies to loaded sessions too."
		}
		return sdk.PromptResponse{}, &sdk.RequestError{Code: -32603, Message: msg, Data: map[string]any{"details": msg}}
	}
	if err := s.store.Save(conv, s.cfg.Now()); err != nil {
		return sdk.PromptResponse{}, sdk.NewInternalError(map[string]any{"error": "the answer was not saved to the session: " + err.Error()})
	}
	return sdk.PromptResponse{StopReason: stopReason(res.StopReason), Usage: usage(res)}, nil
}

func usage(res *agent.Result) *sdk.Usage {
	u := res.Usage
	in, out := int(u.InputTokens), int(u.OutputTokens)
	write, read := int(u.CacheCreationInputTokens), int(u.CacheReadInputTokens)
	return &sdk.Usage{InputTokens: in, OutputTokens: out, CachedWriteTokens: &write, CachedReadTokens: &read, TotalTokens: in + write + read + out}
}

// stopReason maps the API's stop reason to the protocol's.
func stopReason(api string) sdk.StopReason {
	switch api {
	case "max_tokens", "model_context_window_exceeded":
		return sdk.StopReasonMaxTokens
	case "refusal":
		return sdk.StopReasonRefusal
	default: // end_turn, stop_sequence, pause_turn
		return sdk.StopReasonEndTurn
	}
}

// Cancel stops the session's running prompt: the model stream and running
// tools end at once and the prompt answers "cancelled".
func (s *Server) Cancel(ctx context.Context, req sdk.CancelNotification) error {
	s.mu.Lock()
	ss := s.sessions[string(req.SessionId)]
	s.mu.Unlock()
	if ss == nil {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.cancel != nil {
		ss.cancel()
	}
	return nil
}

// CloseSession cancels the session's work and releases it for other
// processes (`hermes chat --session ID`).
func (s *Server) CloseSession(ctx context.Context, req sdk.CloseSessionRequest) (sdk.CloseSessionResponse, error) {
	s.mu.Lock()
	ss := s.sessions[string(req.SessionId)]
	delete(s.sessions, string(req.SessionId))
	s.mu.Unlock()
	if ss == nil {
		return sdk.CloseSessionResponse{}, sdk.NewInvalidParams(map[string]any{"error": fmt.Sprintf("unknown session %q", req.SessionId)})
	}
	ss.release()
	return sdk.CloseSessionResponse{}, nil
}

// ListSessions lists the stored sessions, newest first. The store does
// not record a session's work directory; the client's cwd filter is
// therefore not applied.
func (s *Server) ListSessions(ctx context.Context, req sdk.ListSessionsRequest) (sdk.ListSessionsResponse, error) {
	list, err := s.store.List()
	if err != nil {
		return sdk.ListSessionsResponse{}, sdk.NewInternalError(map[string]any{"error": err.Error()})
	}
	out := sdk.ListSessionsResponse{Sessions: []sdk.SessionInfo{}}
	for _, si := range list {
		if si.Err != "" {
			continue
		}
		info := sdk.SessionInfo{SessionId: sdk.SessionId(si.ID), Cwd: cwdOr(req.Cwd), UpdatedAt: sdk.Ptr(si.Updated.UTC().Format(time.RFC3339))}
		if si.Title != "" {
			info.Title = sdk.Ptr(si.Title)
		}
		out.Sessions = append(out.Sessions, info)
	}
	return out, nil
}

func cwdOr(c *string) string {
	if c != nil {
		return *c
	}
	return ""
}

func (s *Server) secretPaths() []string {
	if s.cfg.SecretPaths == nil {
		return nil
	}
	return s.cfg.SecretPaths()
}
