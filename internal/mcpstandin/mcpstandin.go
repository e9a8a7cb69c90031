// Package mcpstandin is an MCP server for tests, on the same SDK as
// hermes's client: tools that echo, add, wait, fail, crash, return an
// image and report the environment the server runs with. Tests start it
// over stdio (the mcp-standin command, or the test binary under that
// name) and over streamable HTTP on loopback (Serve).
package mcpstandin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Name is the stand-in's command name (its stdio form).
const Name = "mcp-standin"

// A 1×1 PNG: the image tool's answer.
var pixel = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

type echoIn struct {
	Text string `json:"text" jsonschema:"the text to echo"`
}

type addIn struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}

type slowIn struct {
	MS int `json:"ms" jsonschema:"milliseconds to wait; 0 waits until cancelled"`
}

type none struct{}

func text(s string) *sdk.CallToolResult {
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: s}}}
}

// NewServer is the stand-in server with its tools.
func NewServer() *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "mcp-standin", Version: "1"}, nil)
	sdk.AddTool(s, &sdk.Tool{Name: "echo", Description: "Echo the text back.", Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true}},
		func(_ context.Context, _ *sdk.CallToolRequest, in echoIn) (*sdk.CallToolResult, any, error) {
			return text("echo: " + in.Text), nil, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "add", Description: "Add two numbers."},
		func(_ context.Context, _ *sdk.CallToolRequest, in addIn) (*sdk.CallToolResult, any, error) {
			return text(fmt.Sprint(in.A + in.B)), nil, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "slow", Description: "Wait, then answer."},
		func(ctx context.Context, _ *sdk.CallToolRequest, in slowIn) (*sdk.CallToolResult, any, error) {
			var wait <-chan time.Time
			if in.MS > 0 {
				wait = time.After(time.Duration(in.MS) * time.Millisecond)
			}
			select {
			case <-wait:
				return text("done waiting"), nil, nil
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		})
	sdk.AddTool(s, &sdk.Tool{Name: "fail", Description: "Always fails."},
		func(context.Context, *sdk.CallToolRequest, none) (*sdk.CallToolResult, any, error) {
			return nil, nil, errors.New("the fail tool failed, as it always does")
		})
	sdk.AddTool(s, &sdk.Tool{Name: "crash", Description: "The server exits at once."},
		func(context.Context, *sdk.CallToolRequest, none) (*sdk.CallToolResult, any, error) {
			os.Exit(3)
			return nil, nil, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "image", Description: "Return a 1x1 PNG."},
		func(context.Context, *sdk.CallToolRequest, none) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "a pixel"}, &sdk.ImageContent{MIMEType: "image/png", Data: pixel}}}, nil, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "env", Description: "Report the server's environment, one NAME=value a line, sorted."},
		func(context.Context, *sdk.CallToolRequest, none) (*sdk.CallToolResult, any, error) {
			env := slices.Clone(os.Environ())
			slices.Sort(env)
			return text(strings.Join(env, "\n")), nil, nil
		})
	return s
}

// Main runs the stand-in on stdin/stdout until the client closes it. With
// MCP_STANDIN_IGNORE_EOF set it never exits on its own (as many servers
// do not), to test that the client kills it; with MCP_STANDIN_FAIL set it
// exits at once with a message on stderr.
func Main() int {
	if msg := os.Getenv("MCP_STANDIN_FAIL"); msg != "" {
		fmt.Fprintln(os.Stderr, "mcp-standin:", msg)
		return 1
	}
	err := NewServer().Run(context.Background(), &sdk.StdioTransport{})
	if os.Getenv("MCP_STANDIN_IGNORE_EOF") != "" {
		select {}
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "mcp-standin:", err)
		return 1
	}
	return 0
}

// HTTPServer is the stand-in over streamable HTTP on loopback, and over
// the legacy SSE transport at SSEURL.
type HTTPServer struct {
	URL    string // the MCP endpoint
	SSEURL string // the legacy SSE endpoint
	srv    *http.Server
	Auth   string // when set, the Authorization header every request needs
}

// Serve starts the stand-in over streamable HTTP on a loopback port.
// auth, when not empty, is the Authorization value requests must carry.
func Serve(auth string) (*HTTPServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return NewServer() }, nil)
	sse := sdk.NewSSEHandler(func(*http.Request) *sdk.Server { return NewServer() }, nil)
	guard := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if auth != "" && r.Header.Get("Authorization") != auth {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", guard(h))
	mux.Handle("/sse", guard(sse))
	base := "http://" + ln.Addr().String()
	s := &HTTPServer{URL: base + "/mcp", SSEURL: base + "/sse", srv: &http.Server{Handler: mux}, Auth: auth}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the HTTP server.
func (s *HTTPServer) Close() error { return s.srv.Close() }
