package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/sandbox"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// toolAgent is an agent on dir with every tool, for calling tools directly.
func toolAgent(t *testing.T, dir string, cfg Config) *Agent {
	t.Helper()
	cfg.WorkDir = dir
	if cfg.Tools == nil {
		cfg.Tools = KnownTools()
	}
	return newAgent(t, bearerRuntime("http://127.0.0.1:1"), cfg)
}

// call runs one tool call the way the tool loop does.
func call(t *testing.T, a *Agent, tool string, input any) toolResult {
	t.Helper()
	return callCtx(t, context.Background(), a, tool, input)
}

func callCtx(t *testing.T, ctx context.Context, a *Agent, tool string, input any) toolResult {
	t.Helper()
	in, _ := json.Marshal(input)
	r, err := a.runTool(ctx, "m", Block{Type: "tool_use", ID: "toolu_t", Name: tool, Input: in}, func(Event) {})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return r
}

func wantOK(t *testing.T, r toolResult, contains string) {
	t.Helper()
	if r.isError || !strings.Contains(r.content, contains) {
		t.Fatalf("result = %+v, want success containing %q", r, contains)
	}
}

func wantErr(t *testing.T, r toolResult, contains string) {
	t.Helper()
	if !r.isError || !strings.Contains(r.content, contains) {
		t.Fatalf("result = %+v, want an error containing %q", r, contains)
	}
}

func TestReadFileRanges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var b strings.Builder
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	write(t, filepath.Join(dir, "f.txt"), b.String())
	write(t, filepath.Join(dir, "bin"), "abc\x00def")
	write(t, filepath.Join(dir, "big.txt"), strings.Repeat("0123456789abcdef\n", MaxReadBytes/16))
	a := toolAgent(t, dir, Config{})

	r := call(t, a, ToolReadFile, map[string]any{"path": "f.txt", "offset": 3, "limit": 2})
	wantOK(t, r, "line 3\nline 4\n[hermes: lines 3-4 of 20; continue with offset 5]")
	r = call(t, a, ToolReadFile, map[string]any{"path": "f.txt", "offset": 19})
	wantOK(t, r, "line 19\nline 20\n[hermes: lines 19-20 of 20]")
	wantOK(t, call(t, a, ToolReadFile, map[string]any{"path": "f.txt", "offset": 99}), "past the end")
	wantErr(t, call(t, a, ToolReadFile, map[string]any{"path": "missing.txt"}), "does not exist")
	wantErr(t, call(t, a, ToolReadFile, map[string]any{"path": "bin"}), "binary")
	wantErr(t, call(t, a, ToolReadFile, map[string]any{"path": "big.txt"}), "offset and limit")
	wantOK(t, call(t, a, ToolReadFile, map[string]any{"path": "big.txt", "offset": 1000, "limit": 1}), "lines 1000-1000")
	wantErr(t, call(t, a, ToolReadFile, map[string]any{"path": "f.txt", "offset": -1}), "negative")
}

func TestGlob(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"a.go", "pkg/b.go", "pkg/deep/c.go", "pkg/deep/d.txt", "vendor/v.go", "build/out.go", "keep/x.log", "keep/y.log", ".git/HEAD.go"} {
		write(t, filepath.Join(dir, f), "package x\n")
	}
	write(t, filepath.Join(dir, ".gitignore"), "vendor/\n/build\n*.log\n")
	write(t, filepath.Join(dir, "keep", ".gitignore"), "!y.log\n")
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(dir, "a.go"), old, old)
	a := toolAgent(t, dir, Config{})

	r := call(t, a, ToolGlob, map[string]any{"pattern": "**/*.go"})
	wantOK(t, r, "pkg/b.go")
	lines := strings.Split(strings.TrimSpace(r.content), "\n")
	if len(lines) != 3 || lines[2] != "a.go" {
		t.Errorf("**/*.go = %q: want 3 files, the oldest (a.go) last, vendor/build/.git skipped", lines)
	}
	r = call(t, a, ToolGlob, map[string]any{"pattern": "*.go", "path": "pkg"})
	if strings.TrimSpace(r.content) != "pkg/b.go" {
		t.Errorf("*.go in pkg = %q", r.content)
	}
	r = call(t, a, ToolGlob, map[string]any{"pattern": "**/*.log"})
	if strings.TrimSpace(r.content) != "keep/y.log" {
		t.Errorf("negated ignore: %q", r.content)
	}
	wantOK(t, call(t, a, ToolGlob, map[string]any{"pattern": "*.rs"}), "no files match")
	wantErr(t, call(t, a, ToolGlob, map[string]any{"pattern": "[x"}), "bad glob")
	wantErr(t, call(t, a, ToolGlob, map[string]any{"pattern": "*", "path": "../"}), "outside")
}

func TestGlobIsCapped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range MaxGlobResults + 5 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.txt", i)), nil, 0o600)
	}
	r := call(t, toolAgent(t, dir, Config{}), ToolGlob, map[string]any{"pattern": "*.txt"})
	wantOK(t, r, "more than 500 files match")
}

func TestGrep(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.go"), "package a\n// TODO fix\nfunc A() {}\n")
	write(t, filepath.Join(dir, "sub", "b.md"), "# todo list\n")
	write(t, filepath.Join(dir, "bin.dat"), "TODO\x00\x01")
	write(t, filepath.Join(dir, "ignored", "c.go"), "// TODO hidden\n")
	write(t, filepath.Join(dir, ".gitignore"), "ignored/\n")
	a := toolAgent(t, dir, Config{})

	r := call(t, a, ToolGrep, map[string]any{"pattern": "TODO"})
	if strings.TrimSpace(r.content) != "a.go:2:// TODO fix" {
		t.Errorf("grep TODO = %q", r.content)
	}
	r = call(t, a, ToolGrep, map[string]any{"pattern": "todo", "ignore_case": true, "glob": "*.md"})
	if strings.TrimSpace(r.content) != "sub/b.md:1:# todo list" {
		t.Errorf("grep -i --glob = %q", r.content)
	}
	wantOK(t, call(t, a, ToolGrep, map[string]any{"pattern": "nothing-here"}), "no matches (1 binary files skipped)")
	wantErr(t, call(t, a, ToolGrep, map[string]any{"pattern": "(?=x)"}), "RE2")
	wantOK(t, call(t, a, ToolGrep, map[string]any{"pattern": "func", "path": "a.go"}), "a.go:3:func A() {}")

	var many strings.Builder
	for range MaxGrepMatches + 10 {
		many.WriteString("hit\n")
	}
	write(t, filepath.Join(dir, "many.txt"), many.String())
	wantOK(t, call(t, a, ToolGrep, map[string]any{"pattern": "hit"}), "stopped after 500 matches")
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "run.sh"), "#!/bin/sh\n")
	os.Chmod(filepath.Join(dir, "run.sh"), 0o751)
	a := toolAgent(t, dir, Config{PermissionMode: ModeAcceptEdits})

	wantOK(t, call(t, a, ToolWriteFile, map[string]any{"path": "new/deep/x.txt", "content": "hello\n"}), "created new/deep/x.txt")
	if data, _ := os.ReadFile(filepath.Join(dir, "new", "deep", "x.txt")); string(data) != "hello\n" {
		t.Errorf("content = %q", data)
	}
	// Overwriting needs a read first, then keeps the mode.
	wantErr(t, call(t, a, ToolWriteFile, map[string]any{"path": "run.sh", "content": "x"}), "read run.sh with read_file before")
	call(t, a, ToolReadFile, map[string]any{"path": "run.sh"})
	wantOK(t, call(t, a, ToolWriteFile, map[string]any{"path": "run.sh", "content": "#!/bin/sh\necho hi\n"}), "wrote run.sh")
	st, _ := os.Stat(filepath.Join(dir, "run.sh"))
	if st.Mode().Perm() != 0o751 {
		t.Errorf("mode = %v, want 0751 kept", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	wantErr(t, call(t, a, ToolWriteFile, map[string]any{"path": "../escape.txt", "content": "x"}), "outside")
	os.Symlink(filepath.Join(dir, "run.sh"), filepath.Join(dir, "ln"))
	wantErr(t, call(t, a, ToolWriteFile, map[string]any{"path": "ln", "content": "x"}), "symlink")
}

// Parallel write_file calls on one file (the model may send several tool
// calls in one turn) never collide on the temporary file: each either
// writes or is refused for not having read the file, and none is left.
func TestWriteFileConcurrent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := toolAgent(t, dir, Config{PermissionMode: ModeAcceptEdits})
	results := make([]toolResult, 8)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			results[i] = call(t, a, ToolWriteFile, map[string]any{"path": "same.txt", "content": strings.Repeat("x", 1<<16)})
		})
	}
	wg.Wait()
	for _, r := range results {
		if r.isError && !strings.Contains(r.content, "read same.txt with read_file before") {
			t.Errorf("concurrent write failed: %s", r.content)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
}

func TestEditFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.go")
	write(t, path, "a := 1\nb := 1\nc := 2\n")
	a := toolAgent(t, dir, Config{PermissionMode: ModeAcceptEdits})
	edit := func(old, new string, all bool) toolResult {
		return call(t, a, ToolEditFile, map[string]any{"path": "m.go", "old_string": old, "new_string": new, "replace_all": all})
	}
	wantErr(t, edit("c := 2", "c := 3", false), "read m.go with read_file before")
	call(t, a, ToolReadFile, map[string]any{"path": "m.go"})
	wantErr(t, edit(":= 1", ":= 9", false), "occurs 2 times")
	wantErr(t, edit("zzz", "y", false), "not found")
	wantOK(t, edit("c := 2", "c := 3", false), "edited m.go (+1 -1 lines)")
	// Our own edit is what we last saw: a second edit needs no new read.
	wantOK(t, edit(":= 1", ":= 9", true), "edited m.go")
	if data, _ := os.ReadFile(path); string(data) != "a := 9\nb := 9\nc := 3\n" {
		t.Errorf("content = %q", data)
	}
	// Changed on disk behind the agent's back: refused until read again.
	os.WriteFile(path, []byte("a := 9\nb := 9\nc := 4\n"), 0o600)
	wantErr(t, edit("c := 4", "c := 5", false), "changed on disk since you last read it")
	call(t, a, ToolReadFile, map[string]any{"path": "m.go"})
	wantOK(t, edit("c := 4", "c := 5", false), "edited")
	wantErr(t, call(t, a, ToolEditFile, map[string]any{"path": "nope.go", "old_string": "a", "new_string": "b"}), "does not exist")
}

func TestBashTool(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := toolAgent(t, dir, Config{PermissionMode: ModeBypassPermissions})
	r := call(t, a, ToolBash, map[string]any{"command": "pwd; echo err >&2; exit 3"})
	if !r.isError || !strings.Contains(r.content, dir) || !strings.Contains(r.content, "err") || !strings.Contains(r.content, "[exit code 3]") {
		t.Errorf("result = %+v", r)
	}
	wantOK(t, call(t, a, ToolBash, map[string]any{"command": "true"}), "(no output)\n[exit code 0]")

	// Huge output keeps its head and tail.
	r = call(t, a, ToolBash, map[string]any{"command": "echo FIRST; head -c 1000000 /dev/zero | tr '\\0' x; echo; echo LAST"})
	if !strings.HasPrefix(r.content, "FIRST\n") || !strings.Contains(r.content, "LAST\n[exit code 0]") || !strings.Contains(r.content, "bytes of output left out") || len(r.content) > 40<<10 {
		t.Errorf("huge output: %d bytes, head %q", len(r.content), r.content[:min(40, len(r.content))])
	}
}

// unsandboxed runs bash as before the sandbox (danger-full-access), for
// the tests of the process-group handling, whose pid files hold pids of
// hermes's own PID namespace. bash_sandbox_test.go has the sandboxed ones.
var unsandboxed = sandbox.Policy{Mode: sandbox.DangerFullAccess}

// TestBashTimeoutKillsGroup: a child that ignores SIGTERM is killed with
// the whole process group when the timeout hits.
func TestBashTimeoutKillsGroup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	a := toolAgent(t, dir, Config{PermissionMode: ModeBypassPermissions, Sandbox: unsandboxed})
	cmd := fmt.Sprintf(`bash -c 'trap "" TERM; echo $$ > %s; while :; do sleep 1; done' ; echo never`, pidFile)
	r := call(t, a, ToolBash, map[string]any{"command": cmd, "timeout_ms": 300})
	wantErr(t, r, "killed: timed out after 300ms")
	assertDead(t, pidFile)
}

// TestBashBackgroundProcess: the call returns when the shell exits, and a
// process it left in the background is stopped.
func TestBashBackgroundProcess(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "bg.pid")
	a := toolAgent(t, dir, Config{PermissionMode: ModeBypassPermissions, Sandbox: unsandboxed})
	r := call(t, a, ToolBash, map[string]any{"command": fmt.Sprintf(`(trap "" TERM; echo $BASHPID > %s; exec sleep 600) & echo started`, pidFile)})
	wantOK(t, r, "started")
	assertDead(t, pidFile)
}

// TestBashCancelKillsGroup: canceling the context kills the command and
// returns context.Canceled.
func TestBashCancelKillsGroup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "c.pid")
	a := toolAgent(t, dir, Config{PermissionMode: ModeBypassPermissions, Sandbox: unsandboxed})
	ctx, cancel := context.WithCancel(context.Background())
	fifo := filepath.Join(dir, "ready")
	done := make(chan error, 1)
	go func() {
		in, _ := json.Marshal(map[string]any{"command": fmt.Sprintf(`trap "" TERM; echo $$ > %s; echo > %s; while :; do sleep 1; done`, pidFile, fifo)})
		_, err := a.runTool(ctx, "m", Block{Name: ToolBash, Input: in}, func(Event) {})
		done <- err
	}()
	waitFile(t, fifo)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	assertDead(t, pidFile)
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	for range 2000 {
		if data, err := os.ReadFile(path); err == nil && len(data) > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
}

// assertDead checks that the pid in pidFile is gone (or a zombie).
func assertDead(t *testing.T, pidFile string) {
	t.Helper()
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("no pid file: %v", err)
	}
	pid := strings.TrimSpace(string(data))
	for range 400 {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Errorf("process %s survived", pid)
}

// TestBashEnvHasNoCredential: a sentinel credential in hermes's own
// environment is not visible to the command.
func TestBashEnvHasNoCredential(t *testing.T) {
	t.Parallel()
	env := []string{"PATH=" + os.Getenv("PATH"), "ANTHROPIC_API_KEY=sk-ant-api03-SENTINEL", "ANTHROPIC_AUTH_TOKEN=SENTINEL2", "HERMES_HOME=/h", "CLAUDE_CODE_OAUTH_TOKEN=SENTINEL3", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=SENTINEL4", "KEEP=yes"}
	r, err := runBash(context.Background(), bashBox{}, t.TempDir(), "env", time.Minute, env)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.content, "SENTINEL") || strings.Contains(r.content, "HERMES_HOME") || !strings.Contains(r.content, "KEEP=yes") {
		t.Errorf("env = %q", r.content)
	}
}

// recordingApprover answers with ans and records what it was asked.
type recordingApprover struct {
	mu   sync.Mutex
	reqs []ApprovalRequest
	ans  Approval
}

func (r *recordingApprover) Approve(_ context.Context, req ApprovalRequest) (Approval, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	return r.ans, nil
}

func TestPermissionsGateTools(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "f.txt"), "one\n")

	// No approver: denied with the rule that would allow it.
	a := toolAgent(t, dir, Config{})
	r := call(t, a, ToolBash, map[string]any{"command": "go test ./... && touch x"})
	if !r.denied || !strings.Contains(r.content, "permission denied: bash: go test ./... && touch x needs approval") || !strings.Contains(r.content, "--allowed-tools 'bash(go test:*) bash(touch:*)'") {
		t.Errorf("no approver: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Error("denied command ran")
	}

	// The approver sees the diff; "no" tells the model why.
	ap := &recordingApprover{ans: Approval{Reason: "use tabs"}}
	a = toolAgent(t, dir, Config{Approver: ap})
	call(t, a, ToolReadFile, map[string]any{"path": "f.txt"})
	r = call(t, a, ToolEditFile, map[string]any{"path": "f.txt", "old_string": "one", "new_string": "two"})
	if !r.denied || r.content != "permission denied: use tabs" {
		t.Errorf("no: %+v", r)
	}
	req := ap.reqs[0]
	if req.Tool != ToolEditFile || req.Path != filepath.Join(dir, "f.txt") || req.OldText != "one\n" || req.NewText != "two\n" || !strings.Contains(req.Diff, "-one\n+two\n") || req.Title != "edit_file f.txt" {
		t.Errorf("request = %+v", req)
	}
	// "always" adds a session rule: the next call is not asked.
	ap.ans = Approval{Allow: true, Always: true}
	wantOK(t, call(t, a, ToolBash, map[string]any{"command": "echo one"}), "one")
	wantOK(t, call(t, a, ToolBash, map[string]any{"command": "echo two"}), "two")
	if len(ap.reqs) != 2 || ap.reqs[1].Command != "echo one" {
		t.Errorf("asked %d times: %+v", len(ap.reqs), ap.reqs)
	}

	// Deny wins over bypassPermissions; plan mode offers read-only tools.
	a = toolAgent(t, dir, Config{PermissionMode: ModeBypassPermissions, Deny: []string{"bash(rm:*)"}})
	r = call(t, a, ToolBash, map[string]any{"command": "ls; rm f.txt"})
	if !r.denied || !strings.Contains(r.content, "bash(rm:*)") {
		t.Errorf("deny: %+v", r)
	}
	a = toolAgent(t, dir, Config{PermissionMode: ModePlan})
	if strings.Join(a.toolNames(), ",") != "read_file,list_files,glob,grep,delegate" {
		t.Errorf("plan mode offers %v", a.toolNames())
	}
	if _, err := New(bearerRuntime("http://x"), Config{PermissionMode: "yolo"}); err == nil {
		t.Error("bad mode accepted")
	}
	if _, err := New(bearerRuntime("http://x"), Config{Allow: []string{"bash(x"}}); err == nil {
		t.Error("bad rule accepted")
	}
}

// TestProtectedRefusedForWriteInBypass: the credential stores are refused
// for writing (and editing, and reading) whatever the permission mode.
func TestProtectedRefusedForWriteInBypass(t *testing.T) {
	t.Parallel()
	w := newCredWorld(t)
	a := toolAgent(t, w.work, Config{PermissionMode: ModeBypassPermissions, Protected: []string{w.home, w.sdk, w.token}})
	for _, p := range []string{".hermes/auth.json", ".hermes/new.json", "link/auth.json", "tok", "hard.jwt", ".config/anthropic/credentials/x.json", "sub/../.hermes/gateway.key"} {
		before, _ := os.ReadFile(filepath.Join(w.work, p))
		r := call(t, a, ToolWriteFile, map[string]any{"path": p, "content": "pwned"})
		if !r.isError || !strings.Contains(r.content, "credential store") {
			t.Errorf("write_file %s: %+v", p, r)
		}
		r = call(t, a, ToolEditFile, map[string]any{"path": p, "old_string": "a", "new_string": "b"})
		if !r.isError || !strings.Contains(r.content, "credential store") {
			t.Errorf("edit_file %s: %+v", p, r)
		}
		if after, _ := os.ReadFile(filepath.Join(w.work, p)); string(after) != string(before) {
			t.Errorf("%s changed", p)
		}
	}
	for _, tool := range []string{ToolGlob, ToolGrep} {
		r := call(t, a, tool, map[string]any{"pattern": ".", "path": ".hermes"})
		if !r.isError || !strings.Contains(r.content, "credential store") {
			t.Errorf("%s in .hermes: %+v", tool, r)
		}
	}
	r := call(t, a, ToolGrep, map[string]any{"pattern": "sk-ant|eyJ|hgw_"})
	if strings.Contains(r.content, ".hermes") || strings.Contains(r.content, "token.jwt") || strings.Contains(r.content, "anthropic/") {
		t.Errorf("grep reached a credential store: %q", r.content)
	}
}

// fakeFiles is an editor's view of files (ACP fs methods).
type fakeFiles struct {
	mu    sync.Mutex
	files map[string]string
}

func (f *fakeFiles) ReadTextFile(_ context.Context, path string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.files[path]
	if !ok {
		return "", os.ErrNotExist
	}
	return s, nil
}

func (f *fakeFiles) WriteTextFile(_ context.Context, path, content string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[path] = content
	return nil
}

func TestTextFilesBackReadsAndWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	write(t, path, "on disk\n")
	ff := &fakeFiles{files: map[string]string{path: "unsaved buffer\n"}}
	a := toolAgent(t, dir, Config{PermissionMode: ModeAcceptEdits, Files: ff})
	wantOK(t, call(t, a, ToolReadFile, map[string]any{"path": "f.txt"}), "unsaved buffer")
	wantOK(t, call(t, a, ToolEditFile, map[string]any{"path": "f.txt", "old_string": "unsaved", "new_string": "saved"}), "edited")
	if ff.files[path] != "saved buffer\n" {
		t.Errorf("editor file = %q", ff.files[path])
	}
	if data, _ := os.ReadFile(path); string(data) != "on disk\n" {
		t.Errorf("disk changed behind the editor: %q", data)
	}
}

func TestUnifiedDiff(t *testing.T) {
	t.Parallel()
	old := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"
	new := "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n"
	want := "--- a/x\n+++ b/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
	if got := unifiedDiff("x", old, new, true); got != want {
		t.Errorf("diff =\n%s\nwant\n%s", got, want)
	}
	if got := unifiedDiff("n", "", "a\n", false); got != "--- /dev/null\n+++ b/n\n@@ -1,0 +1,1 @@\n+a\n" {
		t.Errorf("new file diff = %q", got)
	}
}

// TestDenialIsAToolResult: with the stand-in driving a bash call that no
// rule allows and nobody can approve, the model gets the denial as a tool
// result and goes on; the event says Denied.
func TestDenialIsAToolResult(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := newStub(t, func(w wireRequest) stubReply {
		for _, b := range w.last() {
			if b["type"] == "tool_result" {
				return stubReply{Text: "got: " + resultText(b)}
			}
		}
		return stubReply{ToolUses: []stubToolUse{{ID: "toolu_1", Name: "bash", Input: map[string]string{"command": "touch made"}}}}
	})
	a := newAgent(t, bearerRuntime(s.URL), Config{Tools: []string{"bash"}, WorkDir: dir})
	var events []Event
	res, err := a.Send(context.Background(), NewConversation(time.Now()), "go", func(e Event) { events = append(events, e) })
	if err != nil {
		t.Fatal(err)
	}
	// The format: "permission denied: …, allow it with --allowed-tools 'RULE'".
	if want := "got: permission denied: bash: touch made needs approval and nobody can be asked here, allow it with --allowed-tools 'bash(touch:*)'"; res.Text != want {
		t.Errorf("answer = %q", res.Text)
	}
	var sawUse, sawDenied bool
	for _, e := range events {
		sawUse = sawUse || (e.Type == "tool_use" && e.Kind == KindExecute)
		sawDenied = sawDenied || (e.Type == "tool_result" && e.Denied && e.Output == e.Text)
	}
	if !sawUse || !sawDenied {
		t.Errorf("events = %+v", events)
	}
	if _, err := os.Stat(filepath.Join(dir, "made")); err == nil {
		t.Error("denied command ran")
	}
}

// TestSendCancelKillsBash: canceling Send's ctx while bash runs kills the
// command's process group, returns context.Canceled and leaves the
// conversation as it was.
func TestSendCancelKillsBash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "p.pid")
	s := newStub(t, func(w wireRequest) stubReply {
		return stubReply{ToolUses: []stubToolUse{{ID: "toolu_1", Name: "bash", Input: map[string]string{"command": fmt.Sprintf(`trap "" TERM; echo $$ > %s; while :; do sleep 1; done`, pidFile)}}}}
	})
	a := newAgent(t, bearerRuntime(s.URL), Config{Tools: []string{"bash"}, WorkDir: dir, PermissionMode: ModeBypassPermissions, Sandbox: unsandboxed})
	conv := NewConversation(time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the command runs (t.Fatal is not for this goroutine).
		for range 2000 {
			if data, err := os.ReadFile(pidFile); err == nil && len(data) > 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	_, err := a.Send(ctx, conv, "run forever", nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(conv.Messages) != 0 {
		t.Errorf("conversation changed: %d messages", len(conv.Messages))
	}
	assertDead(t, pidFile)
}

// TestDelegateInheritsPermissions: a sub-agent gets its parent's rules and
// mode, never more: a deny rule refuses its call, a call no rule allows is
// asked of the same Approver, and "don't ask again" answered for the
// sub-agent holds for the parent too (one shared policy). In plan mode the
// sub-agent is offered only the read-only tools.
func TestDelegateInheritsPermissions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "keep.txt"), "keep\n")
	bash := func(c string) stubReply {
		return stubReply{ToolUses: []stubToolUse{{ID: "toolu_" + strings.Fields(c)[0], Name: "bash", Input: map[string]string{"command": c}}}}
	}
	var mu sync.Mutex
	var subResults, subTools []string
	s := newStub(t, func(w wireRequest) stubReply {
		n := len(w.Messages)
		if w.system() == subSystem {
			mu.Lock()
			subTools = w.toolNames()
			for _, b := range w.last() {
				if b["type"] == "tool_result" {
					subResults = append(subResults, resultText(b))
				}
			}
			mu.Unlock()
			switch n {
			case 1:
				return bash("rm keep.txt")
			case 3:
				return bash("touch sub-made")
			}
			return stubReply{Text: "sub done"}
		}
		switch n {
		case 1:
			return stubReply{ToolUses: []stubToolUse{{ID: "toolu_d", Name: "delegate", Input: map[string]string{"task": "clean up"}}}}
		case 3:
			return bash("touch top-made")
		}
		return stubReply{Text: "end"}
	})
	ap := &recordingApprover{ans: Approval{Allow: true, Always: true}}
	a := newAgent(t, bearerRuntime(s.URL), Config{Tools: []string{"delegate", "bash"}, WorkDir: dir, Deny: []string{"bash(rm:*)"}, Approver: ap})
	if _, err := a.Send(context.Background(), NewConversation(time.Now()), "go", nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(subResults) != 2 || !strings.Contains(subResults[0], `permission denied: "rm keep.txt" is denied by the rule bash(rm:*)`) {
		t.Errorf("sub-agent results = %q, want the rm denied by the parent's rule", subResults)
	}
	if _, err := os.Stat(filepath.Join(dir, "keep.txt")); err != nil {
		t.Error("the sub-agent removed keep.txt despite the parent's deny rule")
	}
	// Asked once, for the sub-agent's touch; the parent's touch rides on
	// the "don't ask again" answer.
	if len(ap.reqs) != 1 || ap.reqs[0].Command != "touch sub-made" {
		t.Errorf("approver asked %d times: %+v", len(ap.reqs), ap.reqs)
	}
	for _, f := range []string{"sub-made", "top-made"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}

	// Plan mode: the sub-agent is offered what the parent is, read-only.
	subTools = nil
	mu.Unlock()
	p := newAgent(t, bearerRuntime(s.URL), Config{Tools: []string{"delegate", "bash", "read_file"}, WorkDir: dir, PermissionMode: ModePlan, MaxDepth: 1})
	p.Send(context.Background(), NewConversation(time.Now()), "go", nil)
	mu.Lock()
	if strings.Join(subTools, ",") != "read_file" {
		t.Errorf("plan-mode sub-agent offered %v, want only read_file", subTools)
	}
}

// glob walks with the call's context: a cancelled call stops walking.
func TestGlobHonoursCancellation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 50 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.go", i)), nil, 0o644)
	}
	a := toolAgent(t, dir, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	wantErr(t, callCtx(t, ctx, a, ToolGlob, map[string]any{"pattern": "**/*.go"}), "canceled")
}

// TestBashEnvHasNoPlatformSecret: a bot's (or --deliver's) platform token
// or the telemetry collector's headers in hermes's environment are not
// passed to what the model runs.
func TestBashEnvHasNoPlatformSecret(t *testing.T) {
	for _, v := range append(credential.PlatformSecretVars(), "TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS") {
		t.Setenv(v, "SENTINEL-"+v)
	}
	t.Setenv("HERMES_TEST_KEEP", "yes")
	env := strings.Join(bashEnv([]string{"MY_SECRET"}), "\n")
	if strings.Contains(env, "SENTINEL") || !strings.Contains(env, "HERMES_TEST_KEEP=yes") {
		t.Errorf("bash env = %q", env)
	}
}
