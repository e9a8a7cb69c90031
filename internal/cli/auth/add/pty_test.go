package add_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cli/root"
)

// The test binary doubles as hermes: re-executed with this variable set it
// runs the real command tree, so the menu and the hidden prompt are driven
// through a real pseudo-terminal.
const mainEnv = "HERMES_ADD_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		os.Exit(root.Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// terminal collects what hermes writes to the pty.
type terminal struct {
	t    *testing.T
	ptmx *os.File
	mu   sync.Mutex
	buf  bytes.Buffer
	more chan struct{} // signalled after each read
	done chan struct{} // closed at EOF
}

func startHermes(t *testing.T, home string, args ...string) (*terminal, *exec.Cmd) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no pty")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), mainEnv+"=1", "HERMES_HOME="+home, "ANTHROPIC_API_KEY=")
	ptmx, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, ptmx: ptmx, more: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(term.done)
		b := make([]byte, 4096)
		for {
			n, err := ptmx.Read(b)
			term.mu.Lock()
			term.buf.Write(b[:n])
			term.mu.Unlock()
			select {
			case term.more <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { ptmx.Close() })
	return term, cmd
}

func (term *terminal) output() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.buf.String()
}

// expect waits until the output contains s. The deadline only guards
// against a hang; the test never depends on timing.
func (term *terminal) expect(s string) {
	term.t.Helper()
	guard := time.After(30 * time.Second)
	for !strings.Contains(term.output(), s) {
		select {
		case <-term.more:
		case <-term.done:
			if !strings.Contains(term.output(), s) {
				term.t.Fatalf("hermes ended without printing %q; output:\n%s", s, term.output())
			}
		case <-guard:
			term.t.Fatalf("hermes hangs: no %q in output:\n%s", s, term.output())
		}
	}
}

func (term *terminal) send(s string) {
	term.t.Helper()
	if _, err := io.WriteString(term.ptmx, s); err != nil {
		term.t.Fatal(err)
	}
}

func TestInteractiveMenuAPIKeyOnPTY(t *testing.T) {
	home := filepath.Join(t.TempDir(), "hermes")
	const key = "sk-ant-api03-SENTINELPTY0123456789abcdefghijk"
	term, cmd := startHermes(t, home, "auth", "add", "anthropic", "--label", "tty")
	term.expect("3) Workload Identity Federation (OIDC / short-lived workload tokens)")
	term.expect("Choose 1-3: ")
	term.send("7\n")
	term.expect(`"7" is not one of the choices`)
	term.send("1\n")
	term.expect("Paste your Anthropic API key (input is hidden): ")
	term.send(key + "\n")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("hermes: %v\n%s", err, term.output())
	}
	<-term.done
	out := term.output()
	if !strings.Contains(out, "Added Anthropic API key sk-ant-api03-SEN…ijk") {
		t.Fatalf("output:\n%s", out)
	}
	// The terminal did not echo the key, and hermes did not print it.
	if strings.Contains(out, "SENTINELPTY") {
		t.Fatalf("the key appeared on the terminal:\n%s", out)
	}
	f, err := authstore.Open(home).Load()
	if err != nil {
		t.Fatal(err)
	}
	if pool := f.Pool(); len(pool) != 1 || pool[0].APIKey != key || pool[0].Source != "prompt" || pool[0].Label != "tty" {
		t.Fatalf("pool = %+v", pool)
	}
}

func TestInteractiveMenuWIFOnPTY(t *testing.T) {
	home := filepath.Join(t.TempDir(), "hermes")
	term, cmd := startHermes(t, home, "auth", "add", "anthropic")
	term.expect("Choose 1-3: ")
	term.send("3\n")
	term.expect("Federation rule ID (fdrl_…): ")
	term.send("fdrl_01pty\n")
	term.expect("Organization ID (UUID): ")
	term.send("12345678-90ab-cdef-1234-567890abcdef\n")
	term.expect("Service account ID (svac_…, Enter for none): ")
	term.send("\n")
	term.expect("Workspace ID (wrkspc_… or default, Enter for none): ")
	term.send("wrkspc_01w\n")
	term.expect("Where does the workload's OIDC identity token come from?")
	term.expect("Choose 1-6: ")
	term.send("3\n")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("hermes: %v\n%s", err, term.output())
	}
	<-term.done
	if !strings.Contains(term.output(), "Stored Workload Identity Federation for anthropic") {
		t.Fatalf("output:\n%s", term.output())
	}
	f, err := authstore.Open(home).Load()
	if err != nil {
		t.Fatal(err)
	}
	w := f.WIF()
	if w == nil || w.FederationRuleID != "fdrl_01pty" || w.WorkspaceID != "wrkspc_01w" || w.IdentityToken.Source != "github-actions" {
		t.Fatalf("WIF = %+v", w)
	}
}
