package acp

import (
	"context"
	"fmt"

	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/mcp"
)

// openMCP starts a session's MCP servers: --mcp-config's, the user's,
// the project's (cwd's) once approved — nobody can be asked here, so an
// unapproved one is skipped with a line on stderr — and the ones the
// editor sent, which the user configured in the editor.
func (s *Server) openMCP(ctx context.Context, cwd string, protectedEnv []string, editor []sdk.McpServer) (*mcp.Manager, error) {
	var extra []mcp.Server
	for _, es := range editor {
		srv, err := editorServer(es)
		if err != nil {
			return nil, err
		}
		extra = append(extra, srv)
	}
	return mcp.Open(ctx, mcp.Setup{HermesHome: s.cfg.Home, WorkDir: cwd, Flags: s.cfg.MCPConfig, Strict: s.cfg.StrictMCPConfig,
		Extra: extra, ProtectedEnv: protectedEnv, Stderr: s.cfg.Warnings, Getenv: s.cfg.Getenv})
}

// editorServer is an editor's server description as hermes keeps one.
func editorServer(es sdk.McpServer) (mcp.Server, error) {
	srv := mcp.Server{Scope: mcp.ScopeEditor}
	switch {
	case es.Stdio != nil:
		srv.Name = es.Stdio.Name
		srv.Command, srv.Args = es.Stdio.Command, es.Stdio.Args
		for _, v := range es.Stdio.Env {
			if srv.Env == nil {
				srv.Env = map[string]string{}
			}
			srv.Env[v.Name] = v.Value
		}
	case es.Http != nil:
		srv.Name, srv.Type, srv.URL = es.Http.Name, mcp.TransportHTTP, es.Http.Url
		srv.Headers = headers(es.Http.Headers)
	case es.Sse != nil:
		srv.Name, srv.Type, srv.URL = es.Sse.Name, mcp.TransportSSE, es.Sse.Url
		srv.Headers = headers(es.Sse.Headers)
	default:
		return srv, fmt.Errorf("unsupported MCP server transport: hermes takes stdio, http and sse")
	}
	if err := srv.Validate(srv.Name); err != nil {
		return srv, err
	}
	return srv, nil
}

func headers(hs []sdk.HttpHeader) map[string]string {
	if len(hs) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, h := range hs {
		out[h.Name] = h.Value
	}
	return out
}
