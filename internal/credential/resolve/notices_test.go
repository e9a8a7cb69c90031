package resolve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/anthropictest"
)

// The shadowed-variable notice is given once per HERMES_HOME and value, not
// once per process: `auth token` runs on every request of other tools.
func TestShadowNoticeOncePerHomeAndValue(t *testing.T) {
	t.Parallel()
	const key1 = "sk-ant-api03-SENTINELshadowONE-AAAAAAAAAAAAAAAAAAAA"
	const key2 = "sk-ant-api03-SENTINELshadowTWO-BBBBBBBBBBBBBBBBBBBB"
	const authTok = "sk-ant-oat01-SENTINELbearer-CCCCCCCCCCCCCCCCCCCCCCC"
	w := newWorld(t, anthropictest.Config{})
	w.Vars["ANTHROPIC_AUTH_TOKEN"] = authTok
	w.Vars["ANTHROPIC_API_KEY"] = key1

	// A new process each time: fresh Sources.
	run := func(verbose bool) string {
		w.Stderr.Reset()
		r := w.resolver()
		r.Sources = NewSources()
		r.Verbose = verbose
		mustResolve(t, r)
		return w.Stderr.String()
	}
	const notice = "ignoring ANTHROPIC_API_KEY from the environment"
	if got := run(false); !strings.Contains(got, notice) {
		t.Fatalf("first run: no notice: %q", got)
	}
	if got := run(false); got != "" {
		t.Errorf("second run repeated the notice: %q", got)
	}
	if got := run(true); !strings.Contains(got, notice) {
		t.Errorf("--verbose: no notice: %q", got)
	}
	w.Vars["ANTHROPIC_API_KEY"] = key2 // a new value is news
	if got := run(false); !strings.Contains(got, notice) {
		t.Errorf("new value: no notice: %q", got)
	}
	if got := run(false); got != "" {
		t.Errorf("new value, second run: %q", got)
	}

	// Another HERMES_HOME has not seen it.
	w2 := newWorld(t, anthropictest.Config{})
	w2.Vars = w.Vars
	r := w2.resolver()
	mustResolve(t, r)
	if !strings.Contains(w2.Stderr.String(), notice) {
		t.Errorf("other HERMES_HOME: no notice: %q", w2.Stderr.String())
	}

	path := filepath.Join(w.Home, noticesFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %#o, want 0600", path, fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	w.AssertNoSecrets(string(data), key1, key2, authTok)
	if strings.Contains(string(data), "ANTHROPIC") {
		t.Errorf("notices file holds names in clear: %q", data)
	}
	if n := strings.Count(string(data), "\n"); n != 2 {
		t.Errorf("notices file has %d lines, want 2", n)
	}
}
