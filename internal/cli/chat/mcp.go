package chat

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/chatcore"
	"github.com/hermes-agent/hermes/internal/mcp"
	"github.com/hermes-agent/hermes/internal/prompt"
	"github.com/hermes-agent/hermes/internal/secret"
)

// openMCP starts the configured MCP servers (--mcp-config, the user's,
// the project's once approved) in the background and hands their tools
// to cfg. On a terminal an unapproved project server is asked about;
// without one it is skipped with a line naming `hermes mcp approve`. The
// full-screen chat shows the lines as notices (notices is nil otherwise)
// and gets them on stderr again after it ends, where they stay readable.
func (o *Options) openMCP(ctx context.Context, cfg *agent.Config, home string, useTUI bool) (m *mcp.Manager, notices <-chan string, flush func(), err error) {
	flush = func() {}
	wd, err := os.Getwd()
	if err != nil {
		return nil, nil, flush, err
	}
	var stderr io.Writer = o.IO.ErrOut
	if useTUI {
		buf := &lockedBuffer{lines: make(chan string, maxNotices)}
		stderr, notices = buf, buf.lines
		flush = func() { io.Copy(o.IO.ErrOut, buf.take()) }
	}
	setup := mcp.Setup{HermesHome: home, WorkDir: wd, Flags: o.MCPConfig, Strict: o.StrictMCPConfig, ProtectedEnv: cfg.ProtectedEnv, Stderr: stderr, Getenv: o.Getenv}
	if cfg.Approver != nil {
		setup.Ask = mcp.TerminalAsker(ctx, prompt.New(o.IO), o.IO.ErrOut)
	}
	m, err = mcp.Open(ctx, setup)
	if err != nil {
		return nil, nil, flush, err
	}
	if m != nil {
		cfg.MoreTools = m
	}
	return m, notices, flush, nil
}

// mcpStatus is the servers' state for /status.
func mcpStatus(m *mcp.Manager) []chatcore.MCPServer {
	var out []chatcore.MCPServer
	for _, st := range m.Statuses() {
		s := chatcore.MCPServer{Name: st.Name, State: st.State, Tools: st.Tools}
		if st.Err != nil {
			s.Reason = secret.RedactShapes(st.Err.Error())
		}
		out = append(out, s)
	}
	return out
}

// maxNotices bounds the notices waiting for the full-screen chat; more
// still reach stderr when it ends.
const maxNotices = 32

// lockedBuffer collects lines written from several goroutines (mcp.Open
// writes whole lines) and hands each to lines, when there is room.
type lockedBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		select {
		case b.lines <- l:
		default:
		}
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) take() io.Reader {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.NewReader(bytes.Clone(b.buf.Bytes()))
}
