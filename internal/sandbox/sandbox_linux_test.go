package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	// The test binary stands in for hermes: /proc/self/exe __sandbox SPEC.
	if len(os.Args) > 1 && os.Args[1] == HelperArg {
		os.Exit(Helper(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// run runs command under p in work, with protected hidden, and returns
// its output and exit code. It skips the test, saying why, where the
// kernel cannot build the sandbox.
func run(t *testing.T, p Policy, work string, protected []string, command string) (string, int) {
	t.Helper()
	r, err := (&Sandbox{}).Command(p, Request{WorkDir: work, Protected: protected, Command: command, Env: []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=/elsewhere"}})
	var ue *UnavailableError
	if errors.As(err, &ue) {
		t.Skip("no sandbox on this kernel:", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out bytes.Buffer
	r.Cmd.Stdout, r.Cmd.Stderr = &out, &out
	if err := r.Start(); err != nil {
		if errors.As(err, &ue) {
			t.Skip("no sandbox on this kernel:", err)
		}
		t.Fatal(err)
	}
	r.Cmd.Wait()
	if err := r.SetupError(); err != nil {
		if errors.As(err, &ue) {
			t.Skip("no sandbox on this kernel:", err)
		}
		t.Fatalf("setup: %v\n%s", err, out.String())
	}
	return out.String(), r.Cmd.ProcessState.ExitCode()
}

func mustRun(t *testing.T, p Policy, work string, protected []string, command string) string {
	t.Helper()
	out, code := run(t, p, work, protected, command)
	if code != 0 {
		t.Fatalf("%s: exit %d\n%s", command, code, out)
	}
	return out
}

func mustFail(t *testing.T, p Policy, work string, protected []string, command string) string {
	t.Helper()
	out, code := run(t, p, work, protected, command)
	if code == 0 {
		t.Fatalf("%s: ran inside the sandbox, want refused\n%s", command, out)
	}
	t.Logf("%s: refused: %s", command, out)
	return out
}

var workspace = Policy{Mode: WorkspaceWrite}

func TestWorkspaceWriteWritesOnlyTheWorkDirAndTemp(t *testing.T) {
	work, outside := t.TempDir(), t.TempDir()
	mustRun(t, workspace, work, nil, `echo a > made && mkdir -p sub/dir && echo b > sub/dir/f && mv sub/dir/f moved && rm made && echo c > "$TMPDIR/t" && cat "$TMPDIR/t" && echo x > /dev/null`)
	if b, err := os.ReadFile(filepath.Join(work, "moved")); err != nil || string(b) != "b\n" {
		t.Fatalf("work dir write: %q %v", b, err)
	}
	mustFail(t, workspace, work, nil, "echo pwned > "+filepath.Join(outside, "victim"))
	mustFail(t, workspace, work, nil, "touch /etc/hermes-sandbox-test-victim")
	if _, err := os.Stat(filepath.Join(outside, "victim")); err == nil {
		t.Fatal("a write outside the work dir landed")
	}
}

func TestPrivateTempDirIsTMPDIRAndRemoved(t *testing.T) {
	work := t.TempDir()
	r, err := (&Sandbox{}).Command(workspace, Request{WorkDir: work, Command: "true", Env: []string{"TMPDIR=/nope"}})
	if err != nil {
		t.Skip(err)
	}
	if !strings.HasPrefix(r.Cmd.Env[len(r.Cmd.Env)-1], "TMPDIR="+r.tempDir) || strings.Contains(strings.Join(r.Cmd.Env, "\n"), "/nope") {
		t.Fatalf("env %q, want TMPDIR below %s only", r.Cmd.Env, r.tempDir)
	}
	r.Close()
	if _, err := os.Stat(r.tempDir); !os.IsNotExist(err) {
		t.Fatalf("temp dir left behind: %v", err)
	}
}

func TestReadOnlyBlocksWorkDirWrites(t *testing.T) {
	work := t.TempDir()
	ro := Policy{Mode: ReadOnly}
	mustFail(t, ro, work, nil, "echo x > made")
	mustRun(t, ro, work, nil, `echo x > "$TMPDIR/ok" && cat "$TMPDIR/ok" && ls . >/dev/null`)
	if _, err := os.Stat(filepath.Join(work, "made")); err == nil {
		t.Fatal("read-only: a write in the work dir landed")
	}
}

func TestProtectedPathsAreUnreadable(t *testing.T) {
	work, home := t.TempDir(), t.TempDir()
	store := filepath.Join(home, "hermes")
	os.MkdirAll(filepath.Join(store, "cache"), 0o700)
	os.WriteFile(filepath.Join(store, "auth.json"), []byte("sk-ant-SENTINEL"), 0o600)
	tokenFile := filepath.Join(home, "token.jwt")
	os.WriteFile(tokenFile, []byte("eyJSENTINEL"), 0o600)
	link := filepath.Join(work, "link")
	os.Symlink(store, link)
	for _, mode := range []Mode{WorkspaceWrite, ReadOnly} {
		out, _ := run(t, Policy{Mode: mode}, work, []string{store, tokenFile}, `cat `+store+`/auth.json; cat `+tokenFile+`; cat link/auth.json; ls -a `+store+`; cat /proc/1/root`+store+`/auth.json; grep -r SENTINEL `+home)
		if strings.Contains(out, "SENTINEL") {
			t.Fatalf("%s: a protected file was read:\n%s", mode, out)
		}
	}
	out := mustRun(t, Policy{Mode: DangerFullAccess}, work, []string{store}, "cat "+store+"/auth.json")
	if !strings.Contains(out, "SENTINEL") {
		t.Fatalf("danger-full-access hides files: %q", out)
	}
	// Files next to a protected one read as usual.
	os.WriteFile(filepath.Join(home, "readme"), []byte("hello"), 0o644)
	if out := mustRun(t, workspace, work, []string{store}, "cat "+filepath.Join(home, "readme")); out != "hello" {
		t.Fatalf("a file beside a protected one: %q", out)
	}
}

func TestWorkDirInsideAProtectedPathIsRefused(t *testing.T) {
	store := t.TempDir()
	work := filepath.Join(store, "w")
	os.Mkdir(work, 0o700)
	os.WriteFile(filepath.Join(store, "auth.json"), []byte("SENTINEL"), 0o600)
	r, err := (&Sandbox{}).Command(workspace, Request{WorkDir: work, Protected: []string{store}, Command: "cat ../auth.json"})
	if err != nil {
		t.Skip(err)
	}
	defer r.Close()
	out, _ := r.Cmd.CombinedOutput()
	err = r.SetupError()
	if err == nil || strings.Contains(string(out), "SENTINEL") {
		t.Fatalf("ran inside a protected dir: %v %q", err, out)
	}
	var ue *UnavailableError
	if errors.As(err, &ue) {
		t.Skip(err)
	}
}

func TestGitIsReadOnlyInWorkspaceWrite(t *testing.T) {
	work := t.TempDir()
	os.MkdirAll(filepath.Join(work, ".git", "hooks"), 0o755)
	os.WriteFile(filepath.Join(work, ".git", "config"), []byte("[core]\n"), 0o644)
	mustFail(t, workspace, work, nil, `echo "fsmonitor = touch /tmp/pwned" >> .git/config`)
	mustFail(t, workspace, work, nil, `echo evil > .git/hooks/pre-commit`)
	mustFail(t, workspace, work, nil, `echo evil > x && mv x .git/hooks/pre-commit`)
	mustRun(t, workspace, work, nil, `cat .git/config && echo ok > file`)
	if b, _ := os.ReadFile(filepath.Join(work, ".git", "config")); string(b) != "[core]\n" {
		t.Fatalf(".git/config changed: %q", b)
	}
	if _, err := os.Stat(filepath.Join(work, ".git", "hooks", "pre-commit")); err == nil {
		t.Fatal("a hook landed")
	}
}

func TestNetworkOnlyWithSandboxNetwork(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hello from outside\n"))
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	work := t.TempDir()
	dial := fmt.Sprintf(`exec 3<>/dev/tcp/127.0.0.1/%d && cat <&3`, port)
	if out := mustFail(t, workspace, work, nil, dial); strings.Contains(out, "hello from outside") {
		t.Fatalf("reached the host's loopback without --sandbox-network: %q", out)
	}
	// Its own loopback works (a test server the command starts itself).
	mustRun(t, workspace, work, nil, `ip=127.0.0.1; exec 3<>/dev/udp/$ip/9 && echo ok >&3`)
	if out := mustRun(t, Policy{Mode: WorkspaceWrite, Network: true}, work, nil, dial); !strings.Contains(out, "hello from outside") {
		t.Fatalf("--sandbox-network: %q", out)
	}
}

func TestRefusedWithoutLandlock(t *testing.T) {
	s := &Sandbox{LandlockABI: func() (int, error) { return 0, errors.New("function not implemented") }}
	for _, mode := range []Mode{WorkspaceWrite, ReadOnly} {
		_, err := s.Command(Policy{Mode: mode}, Request{WorkDir: t.TempDir(), Command: "true"})
		var ue *UnavailableError
		if !errors.As(err, &ue) {
			t.Fatalf("%s without Landlock: %v, want refused", mode, err)
		}
		for _, want := range []string{"bash is refused", "Landlock", "--sandbox danger-full-access", string(mode)} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("refusal %q lacks %q", err, want)
			}
		}
	}
	if _, err := s.Command(Policy{Mode: DangerFullAccess}, Request{WorkDir: t.TempDir(), Command: "true"}); err != nil {
		t.Fatalf("danger-full-access needs no sandbox: %v", err)
	}
}

func TestWarningOnlyForDangerFullAccess(t *testing.T) {
	if w := (Policy{Mode: DangerFullAccess}).Warning(); !strings.Contains(w, "danger-full-access") || strings.Contains(w, "\n") {
		t.Fatalf("warning %q", w)
	}
	for _, m := range []Mode{ReadOnly, WorkspaceWrite, ""} {
		if w := (Policy{Mode: m}).Warning(); w != "" {
			t.Fatalf("%q warns: %q", m, w)
		}
	}
}

func TestParseMode(t *testing.T) {
	if m, err := ParseMode(""); m != WorkspaceWrite || err != nil {
		t.Fatal(m, err)
	}
	if _, err := ParseMode("full"); err == nil || !strings.Contains(err.Error(), "workspace-write") {
		t.Fatal(err)
	}
}

func TestHelperRefusesToRunOutsideItsNamespaces(t *testing.T) {
	if code := Helper([]string{`{"command":"true"}`}); code == 0 {
		t.Fatal("the helper ran as an ordinary process")
	}
}

// BenchmarkRun is the cost of one bash call, `true`, without a sandbox
// (danger-full-access) and in each sandboxed mode: the difference is the
// sandbox's per-call overhead (namespaces, the helper's re-exec, mounts,
// Landlock).
func BenchmarkRun(b *testing.B) {
	work := b.TempDir()
	for _, p := range []Policy{{Mode: DangerFullAccess}, {Mode: WorkspaceWrite}, {Mode: ReadOnly}, {Mode: WorkspaceWrite, Network: true}} {
		name := string(p.Mode)
		if p.Network {
			name += "+network"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				r, err := (&Sandbox{}).Command(p, Request{WorkDir: work, Protected: []string{b.TempDir()}, Command: "true", Env: []string{"PATH=" + os.Getenv("PATH")}})
				if err != nil {
					b.Skip(err)
				}
				if err := r.Start(); err != nil {
					b.Skip(err)
				}
				if err := r.Cmd.Wait(); err != nil {
					b.Fatal(err, r.SetupError())
				}
				r.Close()
			}
		})
	}
}
