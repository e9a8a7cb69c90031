package faultmatrix

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/gateway"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/ptytest"
)

// runGateway starts `hermes gateway` on a free loopback port, sends one
// streamed Messages request through it with the gateway key, and stops it.
// The outcome's code is the status the client got.
func runGateway(w *world) outcome {
	w.t.Helper()
	cmd := w.command("gateway", "--listen", "127.0.0.1:0")
	var stderr iostreams.SyncBuffer
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(&stderr, pw)
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()
	base := ""
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if _, after, ok := strings.Cut(sc.Text(), "hermes gateway listening on "); ok {
			base = strings.TrimSpace(after)
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if base == "" {
		<-exited
		return outcome{code: -1, stderr: stderr.String()}
	}
	key, err := os.ReadFile(filepath.Join(w.hh, gateway.KeyFileName))
	if err != nil {
		w.t.Fatal(err)
	}
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	status, body, err := messagesRequest(client, base, "x-api-key", strings.TrimSpace(string(key)))
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		w.t.Errorf("the gateway did not stop on SIGTERM")
		<-exited
	}
	o := outcome{code: status, stdout: body, stderr: stderr.String()}
	if err != nil {
		o.stderr += "\nclient: " + err.Error()
	}
	return o
}

// runExec runs `hermes exec -- CLIENT`: the client makes one request
// through exec's private gateway. The outcome's code is the status the
// client got ("status=N" on its stdout), else hermes's exit code.
func runExec(w *world) outcome {
	w.t.Helper()
	o := w.run("exec", "--", os.Args[0], clientArg)
	if rest, ok := strings.CutPrefix(o.stdout, "status="); ok {
		line, _, _ := strings.Cut(rest, "\n")
		if n, err := strconv.Atoi(line); err == nil && n != 0 {
			o.stderr = strings.Replace(o.stderr, "client: ", "\nclient: ", 1)
			o.code = n
		}
	}
	return o
}

// runACP runs `hermes acp` as an editor does: initialize, session/new, one
// prompt, then closes stdin. Exit code 0 when the prompt ended its turn
// with the stand-in's answer streamed; 1 with the error as stdout when not.
func runACP(w *world) outcome {
	w.t.Helper()
	cmd := w.command("acp")
	var stderr iostreams.SyncBuffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	cl := &acpClient{chunks: make(chan string, 256)}
	conn := sdk.NewClientSideConnection(cl, stdin, stdout)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := outcome{code: 1}
	if _, err := conn.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: sdk.ProtocolVersionNumber}); err != nil {
		o.stdout = "initialize: " + err.Error()
	} else if ns, err := conn.NewSession(ctx, sdk.NewSessionRequest{Cwd: w.home, McpServers: []sdk.McpServer{}}); err != nil {
		o.stdout = "session/new: " + err.Error()
	} else if resp, err := conn.Prompt(ctx, sdk.PromptRequest{SessionId: ns.SessionId, Prompt: []sdk.ContentBlock{sdk.TextBlock("hello")}}); err != nil {
		o.stdout = "session/prompt: " + acpError(err)
	} else if resp.StopReason != sdk.StopReasonEndTurn {
		o.stdout = "session/prompt: stop reason " + string(resp.StopReason)
	} else {
		o.code = 0
	}
	stdin.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			o.stderr += "hermes acp exited: " + err.Error() + "\n"
			o.code = max(o.code, 1)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		w.t.Errorf("hermes acp did not exit when stdin closed")
	}
	o.stderr += stderr.String()
	return o
}

// acpError is the JSON-RPC error as an editor shows it: message and data.
func acpError(err error) string {
	if re, ok := err.(*sdk.RequestError); ok {
		s := re.Message
		if re.Data != nil {
			s += ": " + toJSON(re.Data)
		}
		return s
	}
	return err.Error()
}

type acpClient struct{ chunks chan string }

func (c *acpClient) SessionUpdate(_ context.Context, n sdk.SessionNotification) error {
	if m := n.Update.AgentMessageChunk; m != nil && m.Content.Text != nil {
		select {
		case c.chunks <- m.Content.Text.Text:
		default:
		}
	}
	return nil
}
func (*acpClient) RequestPermission(context.Context, sdk.RequestPermissionRequest) (sdk.RequestPermissionResponse, error) {
	return sdk.RequestPermissionResponse{Outcome: sdk.RequestPermissionOutcome{Cancelled: &sdk.RequestPermissionOutcomeCancelled{}}}, nil
}
func (*acpClient) ReadTextFile(context.Context, sdk.ReadTextFileRequest) (sdk.ReadTextFileResponse, error) {
	return sdk.ReadTextFileResponse{}, sdk.NewMethodNotFound("fs/read_text_file")
}
func (*acpClient) WriteTextFile(context.Context, sdk.WriteTextFileRequest) (sdk.WriteTextFileResponse, error) {
	return sdk.WriteTextFileResponse{}, sdk.NewMethodNotFound("fs/write_text_file")
}
func (*acpClient) CreateTerminal(context.Context, sdk.CreateTerminalRequest) (sdk.CreateTerminalResponse, error) {
	return sdk.CreateTerminalResponse{}, sdk.NewMethodNotFound("terminal/create")
}
func (*acpClient) KillTerminal(context.Context, sdk.KillTerminalRequest) (sdk.KillTerminalResponse, error) {
	return sdk.KillTerminalResponse{}, sdk.NewMethodNotFound("terminal/kill")
}
func (*acpClient) TerminalOutput(context.Context, sdk.TerminalOutputRequest) (sdk.TerminalOutputResponse, error) {
	return sdk.TerminalOutputResponse{}, sdk.NewMethodNotFound("terminal/output")
}
func (*acpClient) ReleaseTerminal(context.Context, sdk.ReleaseTerminalRequest) (sdk.ReleaseTerminalResponse, error) {
	return sdk.ReleaseTerminalResponse{}, sdk.NewMethodNotFound("terminal/release")
}
func (*acpClient) WaitForTerminalExit(context.Context, sdk.WaitForTerminalExitRequest) (sdk.WaitForTerminalExitResponse, error) {
	return sdk.WaitForTerminalExitResponse{}, sdk.NewMethodNotFound("terminal/wait_for_exit")
}

// runInteractive runs `hermes chat` on a pseudo-terminal for one turn:
// types "hello", waits for the stand-in's echo or an error line, then
// leaves with Ctrl-D. Exit code 0 when the answer was drawn, 1 with the
// screen as stderr when an error was.
func runInteractive(w *world) outcome {
	w.t.Helper()
	cmd := w.command("chat")
	con := ptytest.StartScreen(w.t, cmd, 30, 120)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	con.ExpectScreen("/help for commands")
	con.Send("hello\r")
	var screen string
	con.WaitScreen("an answer or an error", func(s string) bool {
		screen = s
		return strings.Contains(s, "echo: hello") || strings.Contains(s, "error: ")
	})
	// Ctrl-D quits once the turn is over (not while busy): ask until it does.
	quit := time.NewTicker(time.Second)
	defer quit.Stop()
	con.Send("\x04")
	for tries := 0; ; tries++ {
		select {
		case <-exited:
		case <-quit.C:
			if tries < 30 {
				con.Send("\x04")
				continue
			}
			cmd.Process.Kill()
			<-exited
			w.t.Errorf("interactive chat did not exit on Ctrl-D; the screen shows:\n%s", con.Screen())
		}
		break
	}
	if strings.Contains(screen, "echo: hello") && !strings.Contains(screen, "error: ") {
		return outcome{code: 0, stdout: screen}
	}
	return outcome{code: 1, stderr: screen}
}

var _ = exec.Command

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
