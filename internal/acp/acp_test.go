package acp

//lint:file-ignore SA1019 the model catalogue names deprecated and retired models on purpose

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/models"
)

func TestInitialize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.connect(e.config(), &testClient{})
	ctx := context.Background()
	resp, err := c.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: 7, ClientCapabilities: sdk.ClientCapabilities{Auth: sdk.AuthCapabilities{Terminal: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.ProtocolVersion != sdk.ProtocolVersionNumber {
		t.Errorf("protocol version %d, want ours (%d) for a newer client", resp.ProtocolVersion, sdk.ProtocolVersionNumber)
	}
	if resp.AgentInfo == nil || resp.AgentInfo.Name != "hermes" || resp.AgentInfo.Version != "1.2.3-test" {
		t.Errorf("agent info %+v", resp.AgentInfo)
	}
	caps := resp.AgentCapabilities
	if !caps.LoadSession || !caps.PromptCapabilities.EmbeddedContext || caps.PromptCapabilities.Image {
		t.Errorf("capabilities %+v", caps)
	}
	var ids []string
	for _, m := range resp.AuthMethods {
		switch {
		case m.Agent != nil:
			ids = append(ids, m.Agent.Id)
		case m.EnvVar != nil:
			ids = append(ids, m.EnvVar.Id)
		case m.Terminal != nil:
			ids = append(ids, m.Terminal.Id)
			if !slices.Equal(m.Terminal.Args, []string{"auth", "add", "anthropic"}) {
				t.Errorf("terminal args %v", m.Terminal.Args)
			}
		}
	}
	for _, want := range []string{authStored, authWIFEnv, authAPIKey, authAddTerm} {
		if !slices.Contains(ids, want) {
			t.Errorf("auth methods %v lack %s", ids, want)
		}
	}
	// Without the client's terminal auth capability, no terminal method.
	resp, _ = c.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: 1})
	for _, m := range resp.AuthMethods {
		if m.Terminal != nil {
			t.Error("terminal auth method offered to a client without auth.terminal")
		}
	}
}

func TestPromptStreamsChunksAndSaves(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	answer := "Hermes streams this answer to the editor in several pieces, as tokens arrive."
	e.s.Script(anthropictest.Reply{Text: answer})
	cl := &testClient{}
	c, id := e.start(cl, sdk.ClientCapabilities{})
	resp, err := prompt(context.Background(), c, id, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StopReason != sdk.StopReasonEndTurn {
		t.Errorf("stop reason %q", resp.StopReason)
	}
	if got := cl.messageText(); got != answer {
		t.Errorf("chunks joined = %q", got)
	}
	if n := len(cl.chunks()); n < 2 {
		t.Errorf("%d chunks: the answer was not streamed", n)
	}
	conv, err := agent.NewStore(e.home).Load(string(id))
	if err != nil {
		t.Fatal(err)
	}
	if len(conv.Messages) != 2 || conv.Messages[1].Content[0].Text != answer {
		t.Errorf("stored %+v", conv.Messages)
	}
	if resp.Usage == nil || resp.Usage.OutputTokens == 0 {
		t.Errorf("usage %+v", resp.Usage)
	}
}

func TestPromptContextBlocks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, id := e.start(&testClient{}, sdk.ClientCapabilities{})
	_, err := c.Prompt(context.Background(), sdk.PromptRequest{SessionId: id, Prompt: []sdk.ContentBlock{
		sdk.TextBlock("explain "),
		sdk.ResourceLinkBlock("main.go", "file:///p/main.go"),
		sdk.ResourceBlock(sdk.EmbeddedResourceResource{TextResourceContents: &sdk.TextResourceContents{Uri: "file:///p/x.go", Text: "package x"}}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := e.s.MessageRequests()[0].LastUserText()
	for _, want := range []string{"explain [@main.go](file:///p/main.go)", `<context uri="file:///p/x.go">`, "package x"} {
		if !strings.Contains(got, want) {
			t.Errorf("prompt %q lacks %q", got, want)
		}
	}
	_, err = c.Prompt(context.Background(), sdk.PromptRequest{SessionId: id, Prompt: []sdk.ContentBlock{sdk.ImageBlock("aGk=", "image/png")}})
	if re := reqErr(t, err); re.Code != -32602 {
		t.Errorf("image prompt: %v", re)
	}
}

func TestToolCallUpdates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	writeFile(t, filepath.Join(e.cwd, "notes.txt"), "the notes")
	e.s.Script(
		anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{ID: "toolu_r", Name: "read_file", Input: map[string]string{"path": "notes.txt"}}}},
		anthropictest.Reply{Text: "read it"},
	)
	cl := &testClient{}
	c, id := e.start(cl, sdk.ClientCapabilities{})
	if _, err := prompt(context.Background(), c, id, "read the notes"); err != nil {
		t.Fatal(err)
	}
	starts, updates := cl.toolCalls()
	if len(starts) != 1 {
		t.Fatalf("tool calls %+v", starts)
	}
	tc := starts[0]
	if tc.ToolCallId != "toolu_r" || tc.Kind != sdk.ToolKindRead || tc.Status != sdk.ToolCallStatusPending || !strings.Contains(tc.Title, "notes.txt") {
		t.Errorf("tool call %+v", tc)
	}
	if len(tc.Locations) != 1 || tc.Locations[0].Path != filepath.Join(e.cwd, "notes.txt") {
		t.Errorf("locations %+v", tc.Locations)
	}
	last := updates[len(updates)-1]
	if last.ToolCallId != "toolu_r" || last.Status == nil || *last.Status != sdk.ToolCallStatusCompleted {
		t.Fatalf("final update %+v", last)
	}
	if len(last.Content) == 0 || last.Content[0].Content == nil || !strings.Contains(last.Content[0].Content.Content.Text.Text, "the notes") {
		t.Errorf("result content %+v", last.Content)
	}
	if cl.messageText() != "read it" {
		t.Errorf("message %q", cl.messageText())
	}
}

func TestCancelMidStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.Script(anthropictest.Reply{Text: "a long answer that never finishes streaming"})
	// Four events: message_start, content_block_start, ping, one text delta.
	e.s.Fault("/v1/messages", anthropictest.Fault{StallStreamAfterEvents: 4, Times: 1})
	cl := &testClient{}
	firstChunk := make(chan struct{})
	cl.onUpdate = func(n sdk.SessionNotification) {
		if n.Update.AgentMessageChunk != nil {
			select {
			case <-firstChunk:
			default:
				close(firstChunk)
			}
		}
	}
	c, id := e.start(cl, sdk.ClientCapabilities{})
	type result struct {
		resp sdk.PromptResponse
		err  error
	}
	done := make(chan result)
	go func() {
		r, err := prompt(context.Background(), c, id, "first")
		done <- result{r, err}
	}()
	<-firstChunk
	// A second prompt while the first runs is refused; the first goes on.
	_, err := prompt(context.Background(), c, id, "second")
	if re := reqErr(t, err); !strings.Contains(re.Error(), "already answering") {
		t.Errorf("busy error %v", re)
	}
	if err := c.Cancel(context.Background(), sdk.CancelNotification{SessionId: id}); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.resp.StopReason != sdk.StopReasonCancelled {
		t.Fatalf("cancelled prompt: %+v, %v", r.resp, r.err)
	}
	// The cancelled turn is not stored: the next request carries only
	// the new prompt.
	if _, err := agent.NewStore(e.home).Load(string(id)); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("cancelled turn stored: %v", err)
	}
	if _, err := prompt(context.Background(), c, id, "again"); err != nil {
		t.Fatal(err)
	}
	reqs := e.s.MessageRequests()
	if last := reqs[len(reqs)-1]; len(last.Messages) != 1 || last.LastUserText() != "again" {
		t.Errorf("request after cancel has %d messages: %+v", len(last.Messages), last.Messages)
	}
}

func TestLoadSessionReplaysAndContinues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	writeFile(t, filepath.Join(e.cwd, "a.txt"), "alpha")
	e.s.Script(
		anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{ID: "toolu_1", Name: "read_file", Input: map[string]string{"path": "a.txt"}}}},
		anthropictest.Reply{Text: "it says alpha"},
	)
	c, id := e.start(&testClient{}, sdk.ClientCapabilities{})
	if _, err := prompt(context.Background(), c, id, "what is in a.txt?"); err != nil {
		t.Fatal(err)
	}
	// While this connection has it open, another process cannot load it.
	other := e.connect(e.config(), &testClient{})
	other.Initialize(context.Background(), sdk.InitializeRequest{ProtocolVersion: 1})
	_, err := other.LoadSession(context.Background(), sdk.LoadSessionRequest{SessionId: id, Cwd: e.cwd, McpServers: []sdk.McpServer{}})
	if err == nil || !strings.Contains(err.Error(), "another hermes process") {
		t.Errorf("load of a held session: %v", err)
	}
	c.closeIn() // the editor quits: the lock is released

	// --model applies to a loaded session too (the only way an editor
	// moves a stored session off a retired model).
	cl := &testClient{}
	cfg2 := e.config()
	cfg2.Model = anthropic.ModelClaudeHaiku5_5
	c2 := e.connect(cfg2, cl)
	c2.Initialize(context.Background(), sdk.InitializeRequest{ProtocolVersion: 1})
	if _, err := c2.LoadSession(context.Background(), sdk.LoadSessionRequest{SessionId: id, Cwd: e.cwd, McpServers: []sdk.McpServer{}}); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	cl.mu.Lock()
	for _, n := range cl.updates {
		switch u := n.Update; {
		case u.UserMessageChunk != nil:
			kinds = append(kinds, "user:"+u.UserMessageChunk.Content.Text.Text)
		case u.AgentMessageChunk != nil:
			kinds = append(kinds, "agent:"+u.AgentMessageChunk.Content.Text.Text)
		case u.ToolCall != nil:
			kinds = append(kinds, "tool_call:"+string(u.ToolCall.ToolCallId))
		case u.ToolCallUpdate != nil:
			kinds = append(kinds, "tool_call_update:"+string(*u.ToolCallUpdate.Status))
		}
	}
	cl.mu.Unlock()
	want := []string{"user:what is in a.txt?", "tool_call:toolu_1", "tool_call_update:completed", "agent:it says alpha"}
	if !slices.Equal(kinds, want) {
		t.Errorf("replay %q, want %q", kinds, want)
	}
	if _, err := prompt(context.Background(), c2, id, "and then?"); err != nil {
		t.Fatal(err)
	}
	reqs := e.s.MessageRequests()
	if n := len(reqs[len(reqs)-1].Messages); n != 5 {
		t.Errorf("continued request has %d messages, want 5 (history + prompt)", n)
	}
	if m := reqs[len(reqs)-1].Model; m != anthropic.ModelClaudeHaiku5_5 {
		t.Errorf("loaded session with --model asked %q", m)
	}
	_, err = c2.LoadSession(context.Background(), sdk.LoadSessionRequest{SessionId: "20200101-000000-000000000000", Cwd: e.cwd, McpServers: []sdk.McpServer{}})
	if err == nil || !strings.Contains(err.Error(), "no such session") {
		t.Errorf("load of a missing session: %v", err)
	}
}

func TestSeveralSessionsAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cl := &testClient{}
	c, id1 := e.start(cl, sdk.ClientCapabilities{})
	ns, err := c.NewSession(context.Background(), sdk.NewSessionRequest{Cwd: e.cwd, McpServers: []sdk.McpServer{}})
	if err != nil {
		t.Fatal(err)
	}
	id2 := ns.SessionId
	errs := make(chan error, 2)
	for _, id := range []sdk.SessionId{id1, id2} {
		go func() {
			_, err := prompt(context.Background(), c, id, "hi "+string(id))
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	list, _ := agent.NewStore(e.home).List()
	if len(list) != 2 {
		t.Errorf("%d stored sessions, want 2", len(list))
	}
}

func TestNoCredentialIsAuthRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	calls := 0
	e.resolve = func(context.Context) (*credential.Runtime, error) {
		calls++
		if calls == 1 {
			return nil, &resolve.NoCredentialError{Checked: []string{"ANTHROPIC_API_KEY: not set"}}
		}
		return e.rt, nil
	}
	c := e.connect(e.config(), &testClient{})
	c.Initialize(context.Background(), sdk.InitializeRequest{ProtocolVersion: 1})
	_, err := c.NewSession(context.Background(), sdk.NewSessionRequest{Cwd: e.cwd, McpServers: []sdk.McpServer{}})
	re := reqErr(t, err)
	if re.Code != -32000 || !strings.Contains(re.Message, "hermes auth add anthropic") {
		t.Errorf("error %v", re)
	}
	// The user adds a credential; authenticate checks it, and sessions work.
	if _, err := c.Authenticate(context.Background(), sdk.AuthenticateRequest{MethodId: authStored}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.NewSession(context.Background(), sdk.NewSessionRequest{Cwd: e.cwd, McpServers: []sdk.McpServer{}}); err != nil {
		t.Fatal(err)
	}
}

func TestCredentialFailureIsAPromptError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wrong := "sk-ant-api03-WRONGwrongWRONGwrongWRONGwrong00"
	e.rt = credential.NewStaticRuntime(e.s.URL, credential.ModeAPIKey, credential.KindAPIKey, "ANTHROPIC_API_KEY (environment)", wrong)
	c, id := e.start(&testClient{}, sdk.ClientCapabilities{})
	_, err := prompt(context.Background(), c, id, "hi")
	re := reqErr(t, err)
	if re.Code != -32000 || !strings.Contains(re.Message, "401") || !strings.Contains(re.Message, "hermes auth status --check") {
		t.Errorf("error %v", re)
	}
	if strings.Contains(re.Error(), wrong) || strings.Contains(e.stderr.String(), wrong) {
		t.Error("the key leaked into the error or the log")
	}
	// The process lives on: the session still answers once the key is good.
	e.rt.Tokens = credential.StaticSource{Value: testKey}
	if _, err := prompt(context.Background(), c, id, "again"); err != nil {
		t.Fatal(err)
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, _ := e.start(&testClient{}, sdk.ClientCapabilities{})
	ctx := context.Background()
	if _, err := c.NewSession(ctx, sdk.NewSessionRequest{Cwd: "relative/dir", McpServers: []sdk.McpServer{}}); reqErr(t, err).Code != -32602 {
		t.Errorf("relative cwd: %v", err)
	}
	if _, err := prompt(ctx, c, "nope", "hi"); reqErr(t, err).Code != -32602 {
		t.Errorf("unknown session: %v", err)
	}
	if _, err := c.LoadSession(ctx, sdk.LoadSessionRequest{SessionId: "../../etc/passwd", Cwd: e.cwd, McpServers: []sdk.McpServer{}}); err == nil {
		t.Error("load of a path-like id succeeded")
	}
}

func answer(option string) func(sdk.RequestPermissionRequest) sdk.RequestPermissionResponse {
	return func(sdk.RequestPermissionRequest) sdk.RequestPermissionResponse {
		return sdk.RequestPermissionResponse{Outcome: sdk.RequestPermissionOutcome{Selected: &sdk.RequestPermissionOutcomeSelected{OptionId: sdk.PermissionOptionId(option)}}}
	}
}

func writeCall(id, path, content string) anthropictest.Reply {
	return anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{ID: id, Name: "write_file", Input: map[string]string{"path": path, "content": content}}}}
}

func TestPermissionAllowThroughEditorFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.Script(writeCall("toolu_w", "out.txt", "new text\n"), anthropictest.Reply{Text: "written"})
	cl := &testClient{permit: answer(optAllowOnce)}
	c, id := e.start(cl, sdk.ClientCapabilities{Fs: sdk.FileSystemCapabilities{ReadTextFile: true, WriteTextFile: true}})
	if _, err := prompt(context.Background(), c, id, "write it"); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(e.cwd, "out.txt")
	if len(cl.asked) != 1 {
		t.Fatalf("%d permission requests", len(cl.asked))
	}
	req := cl.asked[0]
	if req.ToolCall.ToolCallId != "toolu_w" || len(req.Options) != 3 {
		t.Errorf("request %+v", req)
	}
	var kinds []sdk.PermissionOptionKind
	for _, o := range req.Options {
		kinds = append(kinds, o.Kind)
	}
	if !slices.Equal(kinds, []sdk.PermissionOptionKind{sdk.PermissionOptionKindAllowOnce, sdk.PermissionOptionKindAllowAlways, sdk.PermissionOptionKindRejectOnce}) {
		t.Errorf("options %v", kinds)
	}
	if len(req.ToolCall.Content) != 1 || req.ToolCall.Content[0].Diff == nil || req.ToolCall.Content[0].Diff.Path != abs || req.ToolCall.Content[0].Diff.NewText != "new text\n" {
		t.Errorf("permission content %+v", req.ToolCall.Content)
	}
	// The edit landed in the editor, not on disk behind its back.
	if cl.files[abs] != "new text\n" {
		t.Errorf("editor files %v (log %v)", cl.files, cl.fileLogs)
	}
	starts, updates := cl.toolCalls()
	if last := updates[len(updates)-1]; *last.Status != sdk.ToolCallStatusCompleted {
		t.Errorf("final status %v", *last.Status)
	}
	// The call shows its diff when it starts and after it finished.
	hasDiff := func(c []sdk.ToolCallContent) bool {
		return len(c) > 0 && c[0].Diff != nil && c[0].Diff.Path == abs && c[0].Diff.NewText == "new text\n"
	}
	if len(starts) != 1 || !hasDiff(starts[0].Content) {
		t.Errorf("tool_call content %+v", starts)
	}
	if last := updates[len(updates)-1]; !hasDiff(last.Content) {
		t.Errorf("final tool_call_update content %+v", last.Content)
	}
}

func TestPermissionReject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.Script(writeCall("toolu_w", "out.txt", "x"), anthropictest.Reply{Text: "ok, not written"})
	cl := &testClient{permit: answer(optReject)}
	c, id := e.start(cl, sdk.ClientCapabilities{})
	resp, err := prompt(context.Background(), c, id, "write it")
	if err != nil || resp.StopReason != sdk.StopReasonEndTurn {
		t.Fatal(resp, err)
	}
	if _, err := os.Stat(filepath.Join(e.cwd, "out.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("rejected write happened: %v", err)
	}
	_, updates := cl.toolCalls()
	if last := updates[len(updates)-1]; *last.Status != sdk.ToolCallStatusFailed {
		t.Errorf("final status %v", *last.Status)
	}
	for _, c := range updates[len(updates)-1].Content {
		if c.Diff != nil {
			t.Errorf("a rejected write still shows a diff in its result: %+v", c.Diff)
		}
	}
	reqs := e.s.MessageRequests()
	res := reqs[len(reqs)-1].Messages[2].Content[0]
	if !res.IsError || !strings.Contains(res.ResultText(), "permission denied") {
		t.Errorf("model was told %q", res.ResultText())
	}
}

func TestPermissionAllowAlwaysIsRemembered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.Script(
		writeCall("toolu_1", "a.txt", "a"), anthropictest.Reply{Text: "one"},
		writeCall("toolu_2", "b.txt", "b"), anthropictest.Reply{Text: "two"},
	)
	cl := &testClient{permit: answer(optAllowAlways)}
	c, id := e.start(cl, sdk.ClientCapabilities{})
	for _, p := range []string{"first", "second"} {
		if _, err := prompt(context.Background(), c, id, p); err != nil {
			t.Fatal(err)
		}
	}
	if len(cl.asked) != 1 {
		t.Errorf("asked %d times, want once", len(cl.asked))
	}
	for _, f := range []string{"a.txt", "b.txt"} {
		if _, err := os.Stat(filepath.Join(e.cwd, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestStopReasons(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.Script(
		anthropictest.Reply{Text: "cut", StopReason: "max_tokens"},
		anthropictest.Reply{Text: "no", StopReason: "refusal"},
		anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{Name: "list_files"}}},
	)
	cfg := e.config()
	cfg.MaxTurns = 1
	c := e.connect(cfg, &testClient{})
	c.Initialize(context.Background(), sdk.InitializeRequest{ProtocolVersion: 1})
	ns, err := c.NewSession(context.Background(), sdk.NewSessionRequest{Cwd: e.cwd, McpServers: []sdk.McpServer{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []sdk.StopReason{sdk.StopReasonMaxTokens, sdk.StopReasonRefusal, sdk.StopReasonMaxTurnRequests} {
		resp, err := prompt(context.Background(), c, ns.SessionId, "go")
		if err != nil || resp.StopReason != want {
			t.Errorf("stop reason %q (%v), want %q", resp.StopReason, err, want)
		}
	}
}

// A model the API refuses (retired) reaches the editor as one clear prompt
// error naming the model and how to change it; the process keeps serving.
func TestRefusedModelIsAPromptError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.RefuseModel(models.Default(), 404)
	c, id := e.start(&testClient{}, sdk.ClientCapabilities{})
	_, err := prompt(context.Background(), c, id, "hi")
	re := reqErr(t, err)
	if !strings.Contains(re.Message, models.Default()) || !strings.Contains(re.Message, "may be retired") {
		t.Errorf("error %v", re)
	}
	// The refused model is the default itself: it is never offered back.
	if strings.Contains(re.Message, "/model "+models.Default()) || !strings.Contains(re.Message, "hermes models") {
		t.Errorf("error offers the refused default back: %v", re)
	}
}

// The editor's error for a retired model (-m / --model) says all the
// issue asks: the model, "it may be retired", the default (HERMES_MODEL
// here) and the three ways to change it; the deprecation warning goes to
// stderr once however many sessions use the model.
func TestRetiredModelErrorAndWarningOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.vars["HERMES_MODEL"] = anthropic.ModelClaudeHaiku5_5
	var warnings iostreams.SyncBuffer
	cfg := e.config()
	cfg.Model = anthropic.ModelClaudeSonnet4_5 // retired: the stand-in answers 404
	cfg.Warnings = &warnings
	c := e.connect(cfg, &testClient{})
	ctx := context.Background()
	if _, err := c.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: sdk.ProtocolVersionNumber}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		ns, err := c.NewSession(ctx, sdk.NewSessionRequest{Cwd: e.cwd, McpServers: []sdk.McpServer{}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = prompt(ctx, c, ns.SessionId, "hi")
		re := reqErr(t, err)
		use := anthropic.ModelClaudeHaiku5_5
		for _, want := range []string{`refused the model "` + anthropic.ModelClaudeSonnet4_5 + `"`, "it may be retired",
			"The default hermes would use is " + use, "-m " + use, "/model " + use, "hermes cron edit NAME --model " + use,
			"In an editor: add --model " + use + " to the agent's command"} {
			if !strings.Contains(re.Message, want) {
				t.Errorf("error lacks %q:\n%s", want, re.Message)
			}
		}
	}
	if got := warnings.String(); strings.Count(got, "warning: the model "+anthropic.ModelClaudeSonnet4_5+" reached end-of-life") != 1 {
		t.Errorf("warnings = %q, want one", got)
	}
}

// TestPermissionAsksWhatTheTerminalAsks: ACP sends
// session/request_permission for exactly the calls a terminal would be
// asked about (the same checker decides, failing closed on what it does
// not model), and "always" names the rules it adds or is not offered.
func TestPermissionAsksWhatTheTerminalAsks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	os.WriteFile(filepath.Join(e.cwd, "victim"), []byte("x"), 0o600)
	cmds := []string{"ls", "go version", `[[ -v 'a[$(rm victim)]' ]]`, "echo hi > f", "nice -n 5 ls", "ls | xargs -L 1 rm"}
	var replies []anthropictest.Reply
	for i, c := range cmds {
		replies = append(replies, anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{ID: fmt.Sprintf("toolu_%d", i), Name: "bash", Input: map[string]string{"command": c}}}})
	}
	e.s.Script(append(replies, anthropictest.Reply{Text: "done"})...)
	cl := &testClient{permit: answer(optReject)}
	cfg := e.config()
	cfg.Tools = []string{"bash"}
	cfg.Allow = []string{"bash(ls:*)"}
	c, id := e.startWith(cl, cfg, sdk.ClientCapabilities{})
	if _, err := prompt(context.Background(), c, id, "go"); err != nil {
		t.Fatal(err)
	}
	// What a terminal is asked: the same rules, the same checker.
	terminal, err := permission.New(permission.ModeDefault, []permission.Rule{{Tool: permission.ToolBash, Command: "ls", Prefix: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, c := range cmds {
		if terminal.Check(permission.ToolBash, c).Decision == permission.Ask {
			want = append(want, c)
		}
	}
	for _, r := range cl.asked {
		got = append(got, strings.TrimPrefix(r.ToolCall.Content[0].Content.Content.Text.Text, "$ "))
		for _, o := range r.Options {
			if o.Kind == sdk.PermissionOptionKindAllowAlways && (strings.Contains(o.Name, "allow bash in") || !strings.Contains(o.Name, "bash(")) {
				t.Errorf("always option %q does not name a command rule", o.Name)
			}
		}
	}
	if !slices.Equal(got, want) || len(want) != 5 {
		t.Errorf("asked about %q, the terminal would ask about %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(e.cwd, "victim")); err != nil {
		t.Error("victim deleted")
	}
}

// startWith is start with a Config of the test's own.
func (e *env) startWith(cl *testClient, cfg Config, caps sdk.ClientCapabilities) (*conn, sdk.SessionId) {
	e.t.Helper()
	c := e.connect(cfg, cl)
	ctx := context.Background()
	if _, err := c.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: sdk.ProtocolVersionNumber, ClientCapabilities: caps}); err != nil {
		e.t.Fatal(err)
	}
	ns, err := c.NewSession(ctx, sdk.NewSessionRequest{Cwd: e.cwd, McpServers: []sdk.McpServer{}})
	if err != nil {
		e.t.Fatal(err)
	}
	return c, ns.SessionId
}
