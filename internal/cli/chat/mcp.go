package chat

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/mcp"
	"github.com/hermes-agent/hermes/internal/prompt"
)

// openMCP starts the configured MCP servers (--mcp-config, the user's,
// the project's once approved) in the background and hands their tools
// to cfg. On a terminal an unapproved project server is asked about;
// without one it is skipped with a line naming `hermes mcp approve`. The
// full-screen chat gets the lines after it ends (stderr is its screen).
func (o *Options) openMCP(ctx context.Context, cfg *agent.Config, home string, useTUI bool) (m *mcp.Manager, flush func(), err error) {
	flush = func() {}
	wd, err := os.Getwd()
	if err != nil {
		return nil, flush, err
	}
	var stderr io.Writer = o.IO.ErrOut
	if useTUI {
		buf := &lockedBuffer{}
		stderr = buf
		flush = func() { io.Copy(o.IO.ErrOut, buf.take()) }
	}
	setup := mcp.Setup{HermesHome: home, WorkDir: wd, Flags: o.MCPConfig, Strict: o.StrictMCPConfig, ProtectedEnv: cfg.ProtectedEnv, Stderr: stderr, Getenv: o.Getenv}
	if cfg.Approver != nil {
		setup.Ask = mcp.TerminalAsker(ctx, prompt.New(o.IO), o.IO.ErrOut)
	}
	m, err = mcp.Open(ctx, setup)
	if err != nil {
		return nil, flush, err
	}
	if m != nil {
		cfg.MoreTools = m
	}
	return m, flush, nil
}

// lockedBuffer collects lines written from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) take() io.Reader {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.NewReader(bytes.Clone(b.buf.Bytes()))
}
