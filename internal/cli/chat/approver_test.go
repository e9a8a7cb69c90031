package chat_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/ptytest"
)

// TestApprovalPromptOnAPseudoTerminal: an interactive chat asks before a
// tool call no rule allows, with the command (bash) or the diff (edits),
// and handles yes, yes-don't-ask-again and no-with-a-reason.
func TestApprovalPromptOnAPseudoTerminal(t *testing.T) {
	bin := hermestest.Binary(t)
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	work := t.TempDir()
	os.WriteFile(filepath.Join(work, "f.txt"), []byte("old line\n"), 0o600)
	cmd := exec.Command(bin, "chat", "--base-url", s.URL, "--tools", "read_file,edit_file,bash")
	cmd.Dir = work
	cmd.Env = append(baseEnv(t.TempDir()), "ANTHROPIC_API_KEY="+testKey)
	con := ptytest.StartScreen(t, cmd, 40, 120)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	bash := func(c string) anthropictest.Reply {
		return anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{Name: "bash", Input: map[string]string{"command": c}}}}
	}
	con.ExpectScreen("/help for commands")

	// yes: the terminal UI shows a dialog with the command.
	s.Script(bash("touch yes.txt"))
	con.Send("one\r")
	con.ExpectScreen("hermes wants to bash: touch yes.txt")
	con.ExpectScreen("3) No, and tell the model why")
	con.Send("1")
	con.ExpectScreen("echo: (no output)")
	if _, err := os.Stat(filepath.Join(work, "yes.txt")); err != nil {
		t.Fatalf("approved command did not run: %v", err)
	}

	// yes, and don't ask again: the second touch is not asked.
	s.Script(bash("touch always1.txt"), bash("touch always2.txt"))
	con.Send("two\r")
	con.ExpectScreen("hermes wants to bash: touch always1.txt")
	con.Send("2")
	con.WaitScreen("always2 run without a dialog", func(sc string) bool {
		return strings.Contains(sc, "bash touch always2.txt ✓ · exit code 0") && !strings.Contains(sc, "hermes wants to")
	})
	// The turn goes on after always2 (one more model call, the echo):
	// scripting the next turn before it ends let this turn take those
	// replies, and "three\r" then answered their dialog.
	con.WaitScreen("turn two ended", func(sc string) bool {
		return strings.Count(sc, "echo: (no output)") >= 2
	})

	// no, and tell the model why: the reason reaches the model.
	s.Script(anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{Name: "read_file", Input: map[string]string{"path": "f.txt"}}}},
		anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{Name: "edit_file", Input: map[string]string{"path": "f.txt", "old_string": "old", "new_string": "new"}}}})
	con.Send("three\r")
	con.ExpectScreen("+new line")
	con.Send("3")
	con.ExpectScreen("Why (Enter sends")
	con.Send("keep it old\r")
	con.ExpectScreen("echo: permission denied: the user refused edit_file f.txt; they said: keep it old")
	con.ExpectScreen("✗")
	con.Send("/exit\r")
	if err := <-exited; err != nil {
		t.Fatalf("hermes chat exited with %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(work, "f.txt")); string(data) != "old line\n" {
		t.Errorf("refused edit happened: %q", data)
	}
	for _, f := range []string{"always1.txt", "always2.txt"} {
		if _, err := os.Stat(filepath.Join(work, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestOneShotApprovalPromptOnAPseudoTerminal: `hermes chat -q` on a
// terminal (no full-screen UI) asks on stderr before a call no rule
// allows, showing the command or the diff, with the three answers: yes
// runs it; "don't ask again" runs it and the next similar command without
// asking; no with a reason tells the model, which goes on.
func TestOneShotApprovalPromptOnAPseudoTerminal(t *testing.T) {
	bin := hermestest.Binary(t)
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	work := t.TempDir()
	os.WriteFile(filepath.Join(work, "f.txt"), []byte("old line\n"), 0o600)
	tool := func(name string, in map[string]string) anthropictest.Reply {
		return anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{Name: name, Input: in}}}
	}
	s.Script(
		tool("bash", map[string]string{"command": "touch yes.txt"}),
		tool("bash", map[string]string{"command": "touch always1.txt"}),
		tool("bash", map[string]string{"command": "touch always2.txt"}),
		tool("read_file", map[string]string{"path": "f.txt"}),
		tool("edit_file", map[string]string{"path": "f.txt", "old_string": "old", "new_string": "new"}),
		anthropictest.Reply{Text: "all done"},
	)
	cmd := exec.Command(bin, "chat", "-q", "work", "--base-url", s.URL, "--tools", "read_file,edit_file,bash")
	cmd.Dir = work
	cmd.Env = append(baseEnv(t.TempDir()), "ANTHROPIC_API_KEY="+testKey)
	con := ptytest.Start(t, cmd)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	con.Expect("hermes wants to run a command (bash runs as you):")
	con.Expect("touch yes.txt")
	con.Expect("1) Yes")
	con.Expect("2) Yes, and don't ask again for bash(touch:*) this session")
	con.Expect("3) No, and tell the model why")
	con.Send("1\r")
	con.Expect("✓ bash touch yes.txt · exit code 0")

	con.Expect("touch always1.txt")
	con.Send("2\r")
	con.Expect("✓ bash touch always1.txt · exit code 0")
	con.Expect("✓ bash touch always2.txt · exit code 0")

	con.Expect("✓ read_file f.txt")
	con.Expect("hermes wants to edit_file f.txt:")
	con.Expect("-old line")
	con.Expect("+new line")
	con.Send("3\r")
	con.Expect("What should the model do instead?")
	con.Send("keep it old\r")
	con.Expect("✗ edit_file f.txt · permission denied: the user refused edit_file f.txt; they said: keep it old")
	con.Expect("all done")
	if err := <-exited; err != nil {
		t.Fatalf("hermes chat -q exited with %v\n%s", err, con.Output())
	}
	// always2 was not asked: exactly two command questions were shown.
	if n := strings.Count(con.Output(), "hermes wants to run a command"); n != 2 {
		t.Errorf("asked %d times about a command, want 2 (yes, always)\n%s", n, con.Output())
	}
	for _, f := range []string{"yes.txt", "always1.txt", "always2.txt"} {
		if _, err := os.Stat(filepath.Join(work, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(work, "f.txt")); string(data) != "old line\n" {
		t.Errorf("refused edit happened: %q", data)
	}
	reqs := s.MessageRequests()
	if last := reqs[len(reqs)-1].LastUserText(); last != "permission denied: the user refused edit_file f.txt; they said: keep it old" {
		t.Errorf("the model was told %q", last)
	}
}

// TestOneShotPromptShowsWholeCommand: the one-shot question shows a
// long command whole (no "… N more lines"), control characters escaped,
// and "don't ask again" names the rules it adds, not one for what no
// rule can allow (the review's critical `[[ -v 'a[$(…)]' ]]`), which is
// said to be asked each time, and stays unrun.
func TestOneShotPromptShowsWholeCommand(t *testing.T) {
	bin := hermestest.Binary(t)
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	work := t.TempDir()
	os.WriteFile(filepath.Join(work, "victim"), []byte("x"), 0o600)
	var lines []string
	for i := 1; i <= 120; i++ {
		lines = append(lines, "echo line-"+strings.Repeat("0", 3-len(itoa(i)))+itoa(i))
	}
	lines = append(lines, "printf '\x1b]0;title\x07'; [[ -v 'a[$(rm victim)]' ]]")
	s.Script(anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{Name: "bash", Input: map[string]string{"command": strings.Join(lines, "\n")}}}},
		anthropictest.Reply{Text: "all done"})
	cmd := exec.Command(bin, "chat", "-q", "work", "--base-url", s.URL, "--tools", "bash")
	cmd.Dir = work
	cmd.Env = append(baseEnv(t.TempDir()), "ANTHROPIC_API_KEY="+testKey)
	con := ptytest.Start(t, cmd)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	con.Expect("line-120")
	con.Expect(`printf '\x1b]0;title\x07'; [[ -v 'a[$(rm victim)]' ]]`)
	con.Expect("No rule can allow")
	con.Expect("1) Yes")
	con.Expect("2) Yes, and don't ask again for bash(echo:*) bash(printf:*) this session")
	con.Expect("3) No, and tell the model why")
	con.Send("3\r")
	con.Expect("What should the model do instead?")
	con.Send("\r")
	con.Expect("all done")
	if err := <-exited; err != nil {
		t.Fatalf("exit: %v\n%s", err, con.Output())
	}
	out := con.Output()
	if strings.Contains(out, "more lines") || strings.Contains(out, "\x1b]0;title") {
		t.Errorf("the question hid or passed through something:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(work, "victim")); err != nil {
		t.Error("victim deleted")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
