package mcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/hermes-agent/hermes/internal/agent/tools"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/exitcode"
	"github.com/hermes-agent/hermes/internal/secret"
	"github.com/hermes-agent/hermes/internal/termtext"
)

// Bounds of a server's life.
const (
	// DefaultToolTimeout bounds one tool call; HERMES_MCP_TOOL_TIMEOUT
	// (a Go duration) changes it.
	DefaultToolTimeout = 60 * time.Second
	// ConnectTimeout bounds starting a server and listing its tools.
	ConnectTimeout = 30 * time.Second
	// closeGrace is how long a stdio server has after its stdin closes,
	// and again after SIGTERM, before the next step: many servers never
	// exit on EOF, and a one-shot run must end promptly.
	closeGrace = 200 * time.Millisecond
	// stderrKeep is how much of a stdio server's stderr is kept to
	// explain a failure.
	stderrKeep = 2 << 10
)

// ToolTimeoutEnv is the variable that changes DefaultToolTimeout.
const ToolTimeoutEnv = "HERMES_MCP_TOOL_TIMEOUT"

// ToolTimeout is the per-call bound from the environment (nil getenv:
// os.Getenv), or the default; a malformed value is a *ToolTimeoutError.
func ToolTimeout(getenv func(string) string) (time.Duration, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	v := strings.TrimSpace(getenv(ToolTimeoutEnv))
	if v == "" {
		return DefaultToolTimeout, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, &ToolTimeoutError{Value: v}
	}
	return d, nil
}

// CheckToolTimeout refuses a HERMES_MCP_TOOL_TIMEOUT that is set but is
// not a positive Go duration, before a command that uses MCP servers
// starts: a typo is not silently replaced by the default.
func CheckToolTimeout(getenv func(string) string) error {
	_, err := ToolTimeout(getenv)
	return err
}

// ToolTimeoutError is an invalid HERMES_MCP_TOOL_TIMEOUT: a usage error
// (exit 2), as an invalid HERMES_HTTP_TIMEOUT is.
type ToolTimeoutError struct{ Value string }

func (e *ToolTimeoutError) Error() string {
	return fmt.Sprintf("%s=%q is not a valid timeout: use a positive Go duration such as 90s or 2m (or unset it for the default, %ds)",
		ToolTimeoutEnv, secret.Truncate(secret.RedactShapes(e.Value), 100), int(DefaultToolTimeout.Seconds()))
}

// ExitCode is 2: the environment, like a flag, is the caller's to fix.
func (e *ToolTimeoutError) ExitCode() int { return exitcode.Usage }

// Options configure a Manager.
type Options struct {
	// WorkDir is where stdio servers start.
	WorkDir string
	// Environ is the environment a stdio server's is made from (default
	// os.Environ()); credential variables and ProtectedEnv are removed
	// whatever it holds, as for hermes exec's child.
	Environ      []string
	ProtectedEnv []string
	// ToolTimeout bounds each call; default DefaultToolTimeout.
	ToolTimeout time.Duration
	// Report is told once about each server that failed to start, in
	// one line (default: nothing).
	Report func(line string)
	// Version is hermes's version, told to servers.
	Version string
}

// Status is a server's state.
type Status struct {
	Name      string
	Scope     string
	Transport string
	State     string // StateStarting, StateConnected, StateFailed or StateSkipped
	Tools     int
	// Err is why a server failed or was skipped.
	Err error
}

// A server's states.
const (
	StateStarting  = "starting"
	StateConnected = "connected"
	StateFailed    = "failed"
	// StateSkipped is a project server not approved: it never started.
	StateSkipped = "skipped"
)

// Manager runs a set of servers: all start at once, in the background,
// when Start is called; Tools waits for them (each bounded by
// ConnectTimeout), so a slow server delays only the first turn and a
// failed one is reported once and left out.
type Manager struct {
	opts    Options
	servers []*server
	// skipped are servers configured but not started (unapproved
	// project servers), kept for Statuses.
	skipped []Status
	once    sync.Once
	closed  chan struct{}
}

// NewManager is a Manager for servers; nothing starts until Start or Tools.
func NewManager(servers []Server, opts Options) *Manager {
	if opts.ToolTimeout <= 0 {
		opts.ToolTimeout = DefaultToolTimeout
	}
	if opts.Environ == nil {
		opts.Environ = os.Environ()
	}
	m := &Manager{opts: opts, closed: make(chan struct{})}
	for _, s := range servers {
		m.servers = append(m.servers, &server{cfg: s, done: make(chan struct{}), m: m})
	}
	return m
}

// Servers is the configured servers' names.
func (m *Manager) Servers() []string {
	var out []string
	for _, s := range m.servers {
		out = append(out, s.cfg.Name)
	}
	return out
}

// Start connects every server in parallel, in the background.
func (m *Manager) Start() {
	if m == nil {
		return
	}
	m.once.Do(func() {
		for _, s := range m.servers {
			go s.connect()
		}
	})
}

// Tools is every connected server's tools, waiting for the servers still
// starting (or until ctx ends).
func (m *Manager) Tools(ctx context.Context) []tools.Tool {
	if m == nil {
		return nil
	}
	m.Start()
	var out []tools.Tool
	for _, s := range m.servers {
		select {
		case <-s.done:
		case <-ctx.Done():
			return out
		}
		out = append(out, s.tools...)
	}
	return out
}

// Statuses is each server's state now, then the servers skipped.
func (m *Manager) Statuses() []Status {
	if m == nil {
		return nil
	}
	var out []Status
	for _, s := range m.servers {
		st := Status{Name: s.cfg.Name, Scope: s.cfg.Scope, Transport: s.cfg.Transport(), State: StateStarting}
		select {
		case <-s.done:
			if s.err != nil {
				st.State, st.Err = StateFailed, s.err
			} else {
				st.State, st.Tools = StateConnected, len(s.tools)
			}
		default:
		}
		out = append(out, st)
	}
	return append(out, m.skipped...)
}

// Close stops every server, in parallel: stdio servers get their stdin
// closed, then SIGTERM, then SIGKILL, each step after closeGrace.
func (m *Manager) Close() {
	if m == nil {
		return
	}
	select {
	case <-m.closed:
		return
	default:
		close(m.closed)
	}
	var wg sync.WaitGroup
	for _, s := range m.servers {
		wg.Go(s.close)
	}
	wg.Wait()
}

// server is one server's connection.
type server struct {
	cfg  Server
	m    *Manager
	done chan struct{} // closed once connect ended

	// Set before done closes.
	session *sdk.ClientSession
	tools   []tools.Tool
	err     error
	cmd     *exec.Cmd
	stderr  *tailBuffer

	mu   sync.Mutex         // guards session and stop for close
	stop context.CancelFunc // ends the connection's context
}

func (s *server) connect() {
	defer close(s.done)
	ctx, cancel := context.WithTimeout(context.Background(), ConnectTimeout)
	defer cancel()
	err := s.start(ctx)
	if err != nil {
		s.err = err
		s.close()
		if s.m.opts.Report != nil {
			s.m.opts.Report(fmt.Sprintf("hermes: MCP server %s failed to start: %s; going on without it", s.cfg.Name, secret.RedactShapes(err.Error())))
		}
	}
}

func (s *server) start(ctx context.Context) error {
	t, err := s.transport()
	if err != nil {
		return err
	}
	client := sdk.NewClient(&sdk.Implementation{Name: "hermes", Version: s.m.opts.Version}, nil)
	type res struct {
		cs  *sdk.ClientSession
		err error
	}
	// The connection lives past connect's bounded context: the SSE
	// transport's event stream is a request on the context Connect is
	// given, so a context that ends after start would cut the session.
	// close ends it.
	life, stop := context.WithCancel(context.Background())
	s.mu.Lock()
	s.stop = stop
	s.mu.Unlock()
	ch := make(chan res, 1)
	go func() {
		cs, err := client.Connect(life, t, nil)
		ch <- res{cs, err}
	}()
	var r res
	select {
	case r = <-ch:
	case <-ctx.Done():
		return fmt.Errorf("no answer to initialize within %v", ConnectTimeout)
	case <-s.m.closed:
		return errors.New("closed while starting")
	}
	if r.err != nil {
		return s.explain(r.err)
	}
	s.mu.Lock()
	s.session = r.cs
	s.mu.Unlock()
	var list []*sdk.Tool
	for tl, err := range r.cs.Tools(ctx, nil) {
		if err != nil {
			return s.explain(fmt.Errorf("list tools: %w", err))
		}
		list = append(list, tl)
	}
	for _, tl := range list {
		mt, ok := newTool(s, tl)
		if ok {
			s.tools = append(s.tools, mt)
		}
	}
	return nil
}

// explain adds what the server wrote on stderr to err.
func (s *server) explain(err error) error {
	if s.stderr != nil {
		if tail := strings.TrimSpace(s.stderr.String()); tail != "" {
			return fmt.Errorf("%w (stderr: %s)", err, termtext.OneLine(tail, 300))
		}
	}
	return err
}

func (s *server) transport() (sdk.Transport, error) {
	c := s.cfg
	switch c.Transport() {
	case TransportStdio:
		cmd := exec.Command(c.Command, c.Args...)
		cmd.Dir = s.m.opts.WorkDir
		cmd.Env = childEnv(s.m.opts.Environ, s.m.opts.ProtectedEnv, c.Env)
		s.stderr = &tailBuffer{}
		cmd.Stderr = s.stderr
		// Its own process group: the whole tree is killed at the end.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		s.cmd = cmd
		return &sdk.CommandTransport{Command: cmd, TerminateDuration: closeGrace}, nil
	case TransportHTTP:
		return &sdk.StreamableClientTransport{Endpoint: c.URL, HTTPClient: headerClient(c.Headers), MaxRetries: -1}, nil
	case TransportSSE:
		return &sdk.SSEClientTransport{Endpoint: c.URL, HTTPClient: headerClient(c.Headers)}, nil
	}
	return nil, fmt.Errorf("unknown transport %q", c.Transport())
}

func (s *server) close() {
	s.mu.Lock()
	cs, stop := s.session, s.stop
	s.session = nil
	s.mu.Unlock()
	if cs != nil {
		cs.Close()
	}
	if stop != nil {
		stop()
	}
	if s.cmd != nil && s.cmd.Process != nil {
		// Whatever the server started goes too.
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// childEnv is a stdio server's environment: environ without any
// credential variable (hermes exec's rule) nor the chat platforms' tokens
// (bash's rule: the model drives the server's tools as it drives bash),
// plus the configuration's env, where the user may name one explicitly.
func childEnv(environ, protected []string, extra map[string]string) []string {
	drop := append(slices.Clip(protected), "ANTHROPIC_BASE_URL")
	env := credential.ScrubEnv(environ, append(drop, credential.PlatformSecretVars()...)...)
	for _, k := range slices.Sorted(mapKeys(extra)) {
		if credential.CredentialEnv(k) {
			continue // Validate refuses these; never pass one regardless
		}
		env = slices.DeleteFunc(env, func(kv string) bool { n, _, _ := strings.Cut(kv, "="); return n == k })
		env = append(env, k+"="+extra[k])
	}
	return env
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// headerClient is an HTTP client that adds the configured headers (a
// remote server's bearer token) to each request.
func headerClient(h map[string]string) *http.Client {
	if len(h) == 0 {
		return &http.Client{}
	}
	return &http.Client{Transport: headerTransport{h: h, next: http.DefaultTransport}}
}

type headerTransport struct {
	h    map[string]string
	next http.RoundTripper
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.h {
		r.Header.Set(k, v)
	}
	return t.next.RoundTrip(r)
}

// tailBuffer keeps the last stderrKeep bytes written.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - stderrKeep; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

var _ io.Writer = (*tailBuffer)(nil)
