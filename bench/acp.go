package main

import (
	"context"
	"fmt"
	"io"
	"time"

	sdk "github.com/coder/acp-go-sdk"
)

// acpFirstChunk spawns `hermes acp` n times as an editor does and measures
// spawn → initialize → session/new → session/prompt → the first
// agent_message_chunk, with the WIF token cache warm.
func (w *world) acpFirstChunk(hermes string, n int) (string, error) {
	var total time.Duration
	var worst time.Duration
	for range n {
		d, err := w.acpOnce(hermes)
		if err != nil {
			return "", err
		}
		total += d
		worst = max(worst, d)
	}
	return fmt.Sprintf("%s mean, %s worst of %d", ms(total/time.Duration(n)), ms(worst), n), nil
}

func (w *world) acpOnce(hermes string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	cmd := w.cmd(hermes, "acp")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	cl := &editor{first: make(chan time.Time, 1)}
	conn := sdk.NewClientSideConnection(cl, stdin, stdout)
	if _, err := conn.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: sdk.ProtocolVersionNumber}); err != nil {
		return 0, fmt.Errorf("acp initialize: %w", err)
	}
	ns, err := conn.NewSession(ctx, sdk.NewSessionRequest{Cwd: w.dir, McpServers: []sdk.McpServer{}})
	if err != nil {
		return 0, fmt.Errorf("acp session/new: %w", err)
	}
	prompted := make(chan error, 1)
	go func() {
		_, err := conn.Prompt(ctx, sdk.PromptRequest{SessionId: ns.SessionId, Prompt: []sdk.ContentBlock{sdk.TextBlock("hello")}})
		prompted <- err
	}()
	select {
	case at := <-cl.first:
		<-prompted
		return at.Sub(start), nil
	case err := <-prompted:
		select {
		case at := <-cl.first:
			return at.Sub(start), nil
		default:
		}
		return 0, fmt.Errorf("acp prompt ended without a chunk: %v", err)
	}
}

// editor is the client side: it notes when the first chunk arrives.
type editor struct{ first chan time.Time }

func (e *editor) SessionUpdate(_ context.Context, n sdk.SessionNotification) error {
	if n.Update.AgentMessageChunk != nil {
		select {
		case e.first <- time.Now():
		default:
		}
	}
	return nil
}
func (*editor) RequestPermission(context.Context, sdk.RequestPermissionRequest) (sdk.RequestPermissionResponse, error) {
	return sdk.RequestPermissionResponse{Outcome: sdk.RequestPermissionOutcome{Cancelled: &sdk.RequestPermissionOutcomeCancelled{}}}, nil
}
func (*editor) ReadTextFile(context.Context, sdk.ReadTextFileRequest) (sdk.ReadTextFileResponse, error) {
	return sdk.ReadTextFileResponse{}, sdk.NewMethodNotFound("fs/read_text_file")
}
func (*editor) WriteTextFile(context.Context, sdk.WriteTextFileRequest) (sdk.WriteTextFileResponse, error) {
	return sdk.WriteTextFileResponse{}, sdk.NewMethodNotFound("fs/write_text_file")
}
func (*editor) CreateTerminal(context.Context, sdk.CreateTerminalRequest) (sdk.CreateTerminalResponse, error) {
	return sdk.CreateTerminalResponse{}, sdk.NewMethodNotFound("terminal/create")
}
func (*editor) KillTerminal(context.Context, sdk.KillTerminalRequest) (sdk.KillTerminalResponse, error) {
	return sdk.KillTerminalResponse{}, sdk.NewMethodNotFound("terminal/kill")
}
func (*editor) TerminalOutput(context.Context, sdk.TerminalOutputRequest) (sdk.TerminalOutputResponse, error) {
	return sdk.TerminalOutputResponse{}, sdk.NewMethodNotFound("terminal/output")
}
func (*editor) ReleaseTerminal(context.Context, sdk.ReleaseTerminalRequest) (sdk.ReleaseTerminalResponse, error) {
	return sdk.ReleaseTerminalResponse{}, sdk.NewMethodNotFound("terminal/release")
}
func (*editor) WaitForTerminalExit(context.Context, sdk.WaitForTerminalExitRequest) (sdk.WaitForTerminalExitResponse, error) {
	return sdk.WaitForTerminalExitResponse{}, sdk.NewMethodNotFound("terminal/wait_for_exit")
}
