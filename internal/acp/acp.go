// Package acp serves hermes as an Agent Client Protocol agent: JSON-RPC 2.0
// over a reader and a writer (the process's stdin and stdout), one message
// a line, for editors such as Zed. It implements the acp-go-sdk Agent
// interface on top of internal/agent: sessions are the same store as
// `hermes chat`, every request goes through the one credential runtime.
//
// The package writes nothing but protocol messages to its writer; logs go
// to Config.Logger (stderr in the command).
package acp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/models"
	"github.com/hermes-agent/hermes/internal/secret"
)

// Config is what a Server needs from the command.
type Config struct {
	// Resolve resolves the credential (the one resolver). It is called on
	// the first session/new and again after a failure, so a credential
	// added while the editor runs is picked up without a restart.
	Resolve func(ctx context.Context) (*credential.Runtime, error)
	// Home is HERMES_HOME; sessions live in Home/sessions.
	Home   string
	Getenv func(string) string
	// SecretPaths lists the credential stores the file tools refuse (the
	// resolver's SecretPaths), asked per session; nil: only the runtime's
	// own identity-token file.
	SecretPaths func() []string
	// SecretEnv names the variables bash must not inherit beyond the
	// credential layer's list (the resolver's SecretEnv); nil: none.
	SecretEnv func() []string
	Now       func() time.Time
	// Version is hermes's version, sent as agent info.
	Version string
	// Model overrides a session's model (--model), else HERMES_MODEL, else the default.
	Model string
	// Tools enabled in every session; nil means every known tool.
	Tools []string
	// PermissionMode, Allow and Deny are the permission flags
	// (--permission-mode, --allowed-tools, --disallowed-tools); settings
	// files add to them per session.
	PermissionMode string
	Allow, Deny    []string
	// Sandbox is --sandbox and --sandbox-network; settings files fill
	// the rest per session (permission.ResolveSandbox).
	Sandbox   permission.SandboxFlags
	MaxTokens int
	MaxTurns  int
	// MaxBudgetUSD, when > 0, is each session's budget (--max-budget-usd):
	// a prompt stops after the model call that takes the session's cost
	// over it, and later prompts are refused.
	MaxBudgetUSD float64
	// NoProjectInstructions skips the instruction files (AGENTS.md,
	// CLAUDE.md) of a session's cwd.
	NoProjectInstructions bool
	// Logger receives diagnostics (never protocol, never secrets).
	Logger *slog.Logger
	// Warnings, when set, gets the notice about a deprecated model a
	// session uses (once per connection: Server.deprecations), and MCP
	// servers skipped or failed: stderr.
	Warnings io.Writer
	// MCPConfig and StrictMCPConfig are --mcp-config and
	// --strict-mcp-config; each session adds the editor's servers.
	MCPConfig       []string
	StrictMCPConfig bool
}

// Server is the ACP agent: one per connection, any number of sessions.
type Server struct {
	cfg          Config
	store        *agent.Store
	log          *slog.Logger
	deprecations models.Warner // each deprecated model is warned about once per connection

	// ctx ends when the connection does; every prompt runs below it (not
	// below its request's context, which the SDK cancels when a second
	// prompt for the session arrives).
	ctx    context.Context
	cancel context.CancelFunc

	ready chan struct{} // closed once conn is set
	conn  *sdk.AgentSideConnection

	mu         sync.Mutex
	clientCaps sdk.ClientCapabilities
	rt         *credential.Runtime
	sessions   map[string]*session
	closed     bool           // Close has begun: no new prompts
	wg         sync.WaitGroup // running prompts
}

var (
	_ sdk.Agent       = (*Server)(nil)
	_ sdk.AgentLoader = (*Server)(nil)
)

// NewServer returns a Server for cfg; Serve or Attach connects it.
func NewServer(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Tools == nil {
		cfg.Tools = agent.KnownTools()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		cfg:      cfg,
		store:    agent.NewStore(cfg.Home),
		log:      cfg.Logger,
		ctx:      ctx,
		cancel:   cancel,
		ready:    make(chan struct{}),
		sessions: map[string]*session{},
	}
}

// Attach connects s to a peer: it reads requests from in and writes
// responses and notifications to out.
func (s *Server) Attach(out io.Writer, in io.Reader) *sdk.AgentSideConnection {
	// The SDK starts reading at once but takes its logger afterwards:
	// hold the first read until the logger is set.
	gate := &gatedReader{r: in, open: make(chan struct{})}
	conn := sdk.NewAgentSideConnection(s, out, gate)
	conn.SetLogger(s.log)
	s.conn = conn
	close(s.ready)
	close(gate.open)
	return conn
}

// gatedReader blocks reads until open is closed.
type gatedReader struct {
	r    io.Reader
	open chan struct{}
}

func (g *gatedReader) Read(b []byte) (int, error) {
	<-g.open
	return g.r.Read(b)
}

// Serve runs an ACP agent on in/out until the peer closes in or ctx ends.
// Running prompts are cancelled, their turns not stored, and every
// session's lock released before it returns.
func Serve(ctx context.Context, cfg Config, in io.Reader, out io.Writer) error {
	s := NewServer(cfg)
	p := newPending()
	conn := s.Attach(p.writer(out), p.reader(in))
	select {
	case <-conn.Done():
		// Stdin closed: running prompts end as cancelled, and every
		// request already read gets its answer before the process exits.
		s.cancel()
		p.wait(drainTimeout)
	case <-ctx.Done():
	}
	s.Close()
	return nil
}

// Close cancels running prompts, waits for them and releases every session.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, ss := range s.sessions {
		ss.release()
		delete(s.sessions, id)
	}
}

func (s *Server) client() *sdk.AgentSideConnection {
	<-s.ready
	return s.conn
}

// Initialize negotiates the protocol version and says what hermes can do.
func (s *Server) Initialize(ctx context.Context, req sdk.InitializeRequest) (sdk.InitializeResponse, error) {
	s.mu.Lock()
	s.clientCaps = req.ClientCapabilities
	s.mu.Unlock()
	// We speak version 1; a client asking for a newer one gets ours and
	// decides, an older one (there is none) would get ours too.
	v := sdk.ProtocolVersion(sdk.ProtocolVersionNumber)
	if req.ProtocolVersion < v && req.ProtocolVersion > 0 {
		v = req.ProtocolVersion
	}
	return sdk.InitializeResponse{
		ProtocolVersion: v,
		AgentInfo:       &sdk.Implementation{Name: "hermes", Title: sdk.Ptr("hermes"), Version: s.cfg.Version},
		AgentCapabilities: sdk.AgentCapabilities{
			LoadSession: true,
			PromptCapabilities: sdk.PromptCapabilities{
				EmbeddedContext: true,
			},
			McpCapabilities: sdk.McpCapabilities{Http: true, Sse: true},
			SessionCapabilities: sdk.SessionCapabilities{
				Close: &sdk.SessionCloseCapabilities{},
				List:  &sdk.SessionListCapabilities{},
			},
		},
		AuthMethods: authMethods(req.ClientCapabilities.Auth.Terminal),
	}, nil
}

// Authenticate re-resolves the credential: hermes keeps credentials in its
// own stores (`hermes auth add`), so after the user added one — in a
// terminal the client opened for the "terminal" method, or by hand — this
// checks that it now resolves.
func (s *Server) Authenticate(ctx context.Context, req sdk.AuthenticateRequest) (sdk.AuthenticateResponse, error) {
	if !knownAuthMethod(req.MethodId) {
		return sdk.AuthenticateResponse{}, sdk.NewInvalidParams(map[string]any{"error": fmt.Sprintf("unknown auth method %q", req.MethodId)})
	}
	s.mu.Lock()
	s.rt = nil // look again: the user may have added or switched one
	s.mu.Unlock()
	if _, err := s.runtime(ctx); err != nil {
		return sdk.AuthenticateResponse{}, err
	}
	return sdk.AuthenticateResponse{}, nil
}

// runtime is the process's credential runtime, resolved on first use and
// kept: its transport asks the token source per request, so sessions that
// outlive a token keep working and share one token cache. A failure is
// not kept; the next call resolves again.
func (s *Server) runtime(ctx context.Context) (*credential.Runtime, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rt != nil {
		return s.rt, nil
	}
	rt, err := s.cfg.Resolve(ctx)
	if err != nil {
		s.log.Warn("no usable credential", "error", err)
		return nil, authRequired(err)
	}
	s.log.Debug("credential resolved", "source", rt.Source)
	s.rt = rt
	return rt, nil
}

// authRequired is the protocol's auth_required error with hermes's own
// explanation, which names every source checked and how to add one.
func authRequired(err error) *sdk.RequestError {
	msg := secret.RedactShapes(err.Error())
	if !strings.Contains(msg, "hermes auth add") {
		msg += "\nAdd a credential with `hermes auth add anthropic` (--type wif, api-key or oauth), then try again."
	}
	return &sdk.RequestError{Code: -32000, Message: "Authentication required: " + msg, Data: map[string]any{"details": msg}}
}

// isCredentialError reports whether err means the credential failed: the
// API refused it, or the credential layer could not produce a token.
func isCredentialError(err error) bool {
	var ae *agent.APIError
	if errors.As(err, &ae) {
		return ae.IsAuth()
	}
	var coded interface{ ExitCode() int }
	return errors.As(err, &coded) && coded.ExitCode() == 4
}

// SetSessionMode is not offered (no modes advertised).
func (s *Server) SetSessionMode(ctx context.Context, req sdk.SetSessionModeRequest) (sdk.SetSessionModeResponse, error) {
	return sdk.SetSessionModeResponse{}, sdk.NewMethodNotFound(sdk.AgentMethodSessionSetMode)
}

// SetSessionConfigOption is not offered (no config options advertised).
func (s *Server) SetSessionConfigOption(ctx context.Context, req sdk.SetSessionConfigOptionRequest) (sdk.SetSessionConfigOptionResponse, error) {
	return sdk.SetSessionConfigOptionResponse{}, sdk.NewMethodNotFound(sdk.AgentMethodSessionSetConfigOption)
}

// ResumeSession is not advertised; session/load does the same with history.
func (s *Server) ResumeSession(ctx context.Context, req sdk.ResumeSessionRequest) (sdk.ResumeSessionResponse, error) {
	return sdk.ResumeSessionResponse{}, sdk.NewMethodNotFound(sdk.AgentMethodSessionResume)
}
