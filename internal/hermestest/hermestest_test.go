package hermestest_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/hermestest"
)

func TestMain(m *testing.M) { hermestest.Main(m) }

func TestBinaryRunsHermes(t *testing.T) {
	t.Parallel()
	out, err := hermestest.Command(t, []string{"HOME=" + t.TempDir()}, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "hermes ") {
		t.Fatalf("hermes version: %v\n%s", err, out)
	}
	// And by name on PATH, as scripts and shell steps find it.
	if p, err := exec.LookPath(hermestest.Name); err != nil || p != hermestest.Binary(t) {
		t.Fatalf("PATH lookup: %q, %v; want %q", p, err, hermestest.Binary(t))
	}
	if filepath.Dir(hermestest.Binary(t)) != hermestest.Dir(t) {
		t.Fatal("Dir is not Binary's directory")
	}
}

func TestEnvTurnsOffTheRaceExitSleep(t *testing.T) {
	t.Parallel()
	env := hermestest.Env("A=b")
	if env[0] != "A=b" {
		t.Fatalf("Env dropped the given variables: %q", env)
	}
	var gorace string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GORACE="); ok {
			gorace = v
		}
	}
	if !strings.Contains(gorace, "atexit_sleep_ms=0") {
		t.Fatalf("GORACE=%q", gorace)
	}
}
