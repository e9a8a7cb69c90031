//go:build linux

package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/sandbox"
)

// sandboxedAgent is an agent whose bash runs in the default sandbox
// (workspace-write); the test skips, saying why, where the kernel has none.
func sandboxedAgent(t *testing.T, dir string, cfg Config) *Agent {
	t.Helper()
	cfg.PermissionMode = ModeBypassPermissions
	a := toolAgent(t, dir, cfg)
	r := call(t, a, ToolBash, map[string]any{"command": "true"})
	if strings.Contains(r.content, "bash is refused") {
		t.Skip("no sandbox on this kernel:", r.content)
	}
	return a
}

// processWith reports whether a live process (not a zombie) of the whole
// system has marker in its command line.
func processWith(marker string) bool {
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, d := range dirs {
		if b, err := os.ReadFile(d); err == nil && strings.Contains(string(b), marker) {
			return true
		}
	}
	return false
}

func uniqueSleep(t *testing.T) string {
	return fmt.Sprintf("%d.%d", 30000+os.Getpid()%1000, time.Now().UnixNano()%1e6)
}

// TestBashTimeoutKillsSetsidGrandchild: a grandchild that left the
// process group (setsid) dies with the command on timeout.
func TestBashTimeoutKillsSetsidGrandchild(t *testing.T) {
	t.Parallel()
	a := sandboxedAgent(t, t.TempDir(), Config{})
	secs := uniqueSleep(t)
	cmd := fmt.Sprintf(`setsid sleep %s & until grep -qs %s /proc/[0-9]*/cmdline; do sleep 0.05; done; echo started; sleep 600`, secs, secs)
	r := call(t, a, ToolBash, map[string]any{"command": cmd, "timeout_ms": 8000})
	wantErr(t, r, "killed: timed out")
	if !strings.Contains(r.content, "started") {
		t.Fatalf("the grandchild never started: %s", r.content)
	}
	if processWith("sleep\x00" + secs) {
		t.Fatal("the setsid grandchild outlived the timeout")
	}
}

// TestBashCancelKillsDoubleForkedChild: canceling kills a double-forked,
// setsid child too.
func TestBashCancelKillsDoubleForkedChild(t *testing.T) {
	t.Parallel()
	a := sandboxedAgent(t, t.TempDir(), Config{})
	secs := uniqueSleep(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		in, _ := json.Marshal(map[string]any{"command": fmt.Sprintf(`( (setsid sleep %s &) & ); sleep 600`, secs)})
		_, err := a.runTool(ctx, "m", Block{Name: ToolBash, Input: in}, func(Event) {})
		done <- err
	}()
	for !processWith("sleep\x00" + secs) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if processWith("sleep\x00" + secs) {
		t.Fatal("the double-forked child outlived the cancel")
	}
}

// TestBashSandboxedByDefault: in the default mode a command the rules
// allow still cannot write outside the work dir or read a protected
// path (HERMES_HOME), and it can write in the work dir and $TMPDIR.
func TestBashSandboxedByDefault(t *testing.T) {
	t.Parallel()
	work, home, outside := t.TempDir(), t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(home, "auth.json"), []byte("sk-ant-SENTINEL"), 0o600)
	a := sandboxedAgent(t, work, Config{Protected: []string{home}})
	r := call(t, a, ToolBash, map[string]any{"command": "echo x > " + filepath.Join(outside, "victim")})
	wantErr(t, r, "Permission denied")
	r = call(t, a, ToolBash, map[string]any{"command": "cat " + filepath.Join(home, "auth.json")})
	if !r.isError || strings.Contains(r.content, "SENTINEL") {
		t.Fatalf("HERMES_HOME read: %+v", r)
	}
	wantOK(t, call(t, a, ToolBash, map[string]any{"command": `echo ok > made && echo t > "$TMPDIR/t" && cat made "$TMPDIR/t"`}), "ok\nt\n")
	if _, err := os.Stat(filepath.Join(outside, "victim")); err == nil {
		t.Fatal("a write outside the work dir landed")
	}
}

// TestBashRefusedWithoutSandbox: a kernel without Landlock gets a
// refusal naming the way out, and the command does not run.
func TestBashRefusedWithoutSandbox(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	a := toolAgent(t, work, Config{PermissionMode: ModeBypassPermissions})
	a.sandboxer = &sandbox.Sandbox{LandlockABI: func() (int, error) { return 0, nil }}
	r := call(t, a, ToolBash, map[string]any{"command": "touch ran"})
	wantErr(t, r, "--sandbox danger-full-access")
	wantErr(t, r, "Landlock")
	if _, err := os.Stat(filepath.Join(work, "ran")); err == nil {
		t.Fatal("the command ran unsandboxed")
	}
}
