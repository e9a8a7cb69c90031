package add_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/ptytest"
)

// The test binary doubles as hermes (hermestest), so the menu and the
// hidden prompt are driven through a real pseudo-terminal.
func TestMain(m *testing.M) { hermestest.Main(m) }

func startHermes(t *testing.T, home string, args ...string) (*ptytest.Console, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(hermestest.Binary(t), args...)
	cmd.Env = append(os.Environ(), "HERMES_HOME="+home, "ANTHROPIC_API_KEY=")
	return ptytest.Start(t, cmd), cmd
}

func TestInteractiveMenuAPIKeyOnPTY(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "hermes")
	const key = "sk-ant-api03-SENTINELPTY0123456789abcdefghijk"
	term, cmd := startHermes(t, home, "auth", "add", "anthropic", "--label", "tty")
	term.Expect("3) Workload Identity Federation (OIDC / short-lived workload tokens)")
	term.Expect("Choose 1-3: ")
	term.Send("7\n")
	term.Expect(`"7" is not one of the choices`)
	term.Send("1\n")
	term.Expect("Paste your Anthropic API key (input is hidden): ")
	term.Send(key + "\n")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("hermes: %v\n%s", err, term.Output())
	}
	<-term.Done()
	out := term.Output()
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
	t.Parallel()
	home := filepath.Join(t.TempDir(), "hermes")
	term, cmd := startHermes(t, home, "auth", "add", "anthropic")
	term.Expect("Choose 1-3: ")
	term.Send("3\n")
	// A malformed answer is re-asked at once, saying what is wrong.
	term.Expect("Federation rule ID (fdrl_…): ")
	term.Send("rule-1\n")
	term.Expect(`federation rule ID "rule-1" is malformed`)
	term.Expect("Federation rule ID (fdrl_…): ")
	term.Send("fdrl_01pty\n")
	term.Expect("Organization ID (UUID): ")
	term.Send("not-a-uuid\n")
	term.Expect(`organization ID "not-a-uuid" is malformed: expected a UUID`)
	term.Expect("Organization ID (UUID): ")
	term.Send("12345678-90ab-cdef-1234-567890abcdef\n")
	term.Expect("Service account ID (svac_…, Enter for none): ")
	term.Send("\n")
	term.Expect("Workspace ID (wrkspc_… or default, Enter for none): ")
	term.Send("wrkspc_01w\n")
	term.Expect("Where does the workload's OIDC identity token come from?")
	term.Expect("Choose 1-6: ")
	term.Send("3\n")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("hermes: %v\n%s", err, term.Output())
	}
	<-term.Done()
	if !strings.Contains(term.Output(), "Stored Workload Identity Federation for anthropic") {
		t.Fatalf("output:\n%s", term.Output())
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

// A token file path with no file behind it is questioned at once and
// re-asked; the same path again is refused again; only "use it anyway"
// keeps it (CI may write the file later).
func TestInteractiveMissingTokenFileOnPTY(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "hermes")
	missing := filepath.Join(t.TempDir(), "later", "token")
	term, cmd := startHermes(t, home, "auth", "add", "anthropic", "--type", "wif",
		"--federation-rule-id", "fdrl_01pty", "--organization-id", "12345678-90ab-cdef-1234-567890abcdef",
		"--service-account-id", "", "--workspace-id", "")
	term.Expect("Choose 1-6: ")
	term.Send("1\n")
	term.Expect("Path of the identity token file: ")
	term.Send(missing + "\n")
	term.Expect("no file at " + missing)
	term.Expect(`or "use it anyway" to keep this one`)
	term.Expect("Path of the identity token file: ")
	term.Send(missing + "\n")
	term.Expect("no file at " + missing)
	term.Expect("Path of the identity token file: ")
	term.Send("use it anyway\n")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("hermes: %v\n%s", err, term.Output())
	}
	<-term.Done()
	f, err := authstore.Open(home).Load()
	if err != nil {
		t.Fatal(err)
	}
	if w := f.WIF(); w == nil || w.IdentityToken.Path != missing {
		t.Fatalf("WIF = %+v\n%s", w, term.Output())
	}
}
