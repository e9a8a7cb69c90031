package faultmatrix

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// hangTimeout is HERMES_HTTP_TIMEOUT in every cell: a hung server is given
// up on after this long, so the "hang" column never waits minutes (not
// shorter: a 64 MiB body on a loaded 2-core machine can pause a second).
const hangTimeout = "2s"

// world is one cell's outside world: an issuer, the stand-in trusting it,
// a HERMES_HOME and a WIF configuration in the SDK's variables.
type world struct {
	t     *testing.T
	iss   *oidctest.Issuer
	api   *anthropictest.Server
	home  string // HOME
	hh    string // HERMES_HOME
	jwt   string // the identity token file
	extra []string
}

type worldOptions struct {
	issuerNow func() time.Time // nil: time.Now
	apiNow    func() time.Time
}

func newWorld(t *testing.T, o worldOptions) *world {
	t.Helper()
	var iopts []oidctest.Option
	if o.issuerNow != nil {
		iopts = append(iopts, oidctest.WithClock(o.issuerNow))
	}
	iss := oidctest.New(t, iopts...)
	api := anthropictest.New(t, anthropictest.Config{Issuer: iss, Now: o.apiNow})
	home := t.TempDir()
	w := &world{t: t, iss: iss, api: api, home: home, hh: filepath.Join(home, ".hermes"), jwt: filepath.Join(home, "jwt")}
	w.rotateJWT()
	return w
}

// rotateJWT writes a fresh identity token, as the kubelet or a CI runner
// does; an exchanged one is spent.
func (w *world) rotateJWT() {
	w.t.Helper()
	if err := os.WriteFile(w.jwt, []byte(w.iss.Mint(oidctest.Claims{TTL: time.Hour})), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) env() []string {
	return hermestest.Env(append([]string{
		"HOME=" + w.home, "HERMES_HOME=" + w.hh, "PATH=/usr/bin:/bin", "TERM=xterm",
		"ANTHROPIC_BASE_URL=" + w.api.URL, "ANTHROPIC_FEDERATION_RULE_ID=" + anthropictest.DefaultRuleID,
		"ANTHROPIC_ORGANIZATION_ID=" + anthropictest.DefaultOrgID, "ANTHROPIC_IDENTITY_TOKEN_FILE=" + w.jwt,
		"HERMES_HTTP_TIMEOUT=" + hangTimeout,
	}, w.extra...)...)
}

// command is `hermes args...` (hermestest's hermes).
func (w *world) command(args ...string) *exec.Cmd {
	cmd := exec.Command(hermestest.Binary(w.t), args...)
	cmd.Env = w.env()
	cmd.Dir = w.home
	return cmd
}

// outcome is what a user saw: the exit code (or, for HTTP paths, the
// status), and the text they read.
type outcome struct {
	code   int
	stdout string
	stderr string
}

func (o outcome) String() string {
	return "code " + itoa(o.code) + "\nstdout:\n" + clip(o.stdout) + "\nstderr:\n" + clip(o.stderr)
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// run runs `hermes args...` to completion (at most a minute: a cell that
// hangs is a failure, not a stuck test run).
func (w *world) run(args ...string) outcome {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := w.command(args...)
	cmd = exec.CommandContext(ctx, cmd.Path, args...)
	cmd.Env, cmd.Dir = w.env(), w.home
	var stdout, stderr iostreams.SyncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		w.t.Fatalf("hermes %s did not finish within a minute\nstderr:\n%s", strings.Join(args, " "), stderr.String())
	}
	return outcome{code: exitCode(w.t, err), stdout: stdout.String(), stderr: stderr.String()}
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	default:
		t.Fatal(err)
		return -1
	}
}

// mustRun runs a setup step that must succeed.
func (w *world) mustRun(args ...string) outcome {
	w.t.Helper()
	o := w.run(args...)
	if o.code != 0 {
		w.t.Fatalf("setup step hermes %s failed: %s", strings.Join(args, " "), o)
	}
	return o
}

// requests counts the requests to route, and returns their arrival times.
func (w *world) requests(route string) []time.Time {
	var at []time.Time
	for _, r := range w.api.Requests() {
		if r.Path == route {
			at = append(at, r.At)
		}
	}
	return at
}

// snapshot is every file under HERMES_HOME: path → content hash.
type snapshot map[string][32]byte

func takeSnapshot(t *testing.T, root string) snapshot {
	t.Helper()
	s := snapshot{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("read %s: %v", p, err)
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		s[rel] = sha256.Sum256(b)
		return nil
	})
	return s
}

// checkStore asserts that nothing stored was lost or half-written: every
// file that was there before still is; every JSON file (and JSON-lines
// file) parses; no temporary file of an interrupted atomic write is left;
// files are 0600 and directories 0700.
func checkStore(t *testing.T, root string, before snapshot) {
	t.Helper()
	after := takeSnapshot(t, root)
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("stored file lost: %s", p)
		}
	}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s has mode %v", p, fi.Mode().Perm())
			}
			return nil
		}
		if looksTemporary(name) {
			t.Errorf("a half-written file was left: %s", p)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v", p, fi.Mode().Perm())
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		switch {
		case strings.HasSuffix(name, ".jsonl"):
			sc := bufio.NewScanner(bytes.NewReader(b))
			sc.Buffer(nil, 16<<20)
			for n := 1; sc.Scan(); n++ {
				if len(bytes.TrimSpace(sc.Bytes())) > 0 && !json.Valid(sc.Bytes()) {
					t.Errorf("%s line %d is not JSON (half-written?)", p, n)
				}
			}
		case strings.HasSuffix(name, ".json"):
			if !json.Valid(b) {
				t.Errorf("%s is not JSON (half-written?): %.200q", p, b)
			}
		}
		return nil
	})
}

func looksTemporary(name string) bool {
	return strings.Contains(name, ".tmp") || strings.HasPrefix(name, ".") && strings.Contains(name, "tmp") || strings.HasSuffix(name, "~")
}

// goType matches Go internals that must never be a user's error message.
var goType = regexp.MustCompile(`\*[a-z]+\.[A-Z][A-Za-z]+|%!|&\{|<nil>|panic:|goroutine \d+`)

// checkMessage asserts that a failure's text names its real cause: each of
// words (case-insensitive; an entry "a|b" is satisfied by either), never
// the spent-assertion message (a symptom, not the cause), never a Go type,
// and no secret the stand-in knows.
func (w *world) checkMessage(o outcome, words []string, report bool) {
	t := w.t
	t.Helper()
	msg := o.stderr + o.stdout
	low := strings.ToLower(msg)
	for _, word := range words {
		ok := false
		for _, alt := range strings.Split(word, "|") {
			ok = ok || strings.Contains(low, strings.ToLower(alt))
		}
		if !ok {
			t.Errorf("the message does not name %q: %s", word, o)
		}
	}
	spentIn := low
	if report {
		// auth status reports the identity token's state, spent included.
		spentIn = strings.ToLower(o.stderr)
	}
	if strings.Contains(spentIn, "already exchanged") {
		t.Errorf("blames a spent assertion, not the real cause: %s", o)
	}
	if m := goType.FindString(msg); m != "" {
		t.Errorf("the message shows Go internals (%q): %s", m, o)
	}
	for _, s := range w.api.Secrets() {
		if len(s) >= 8 && strings.Contains(msg, s) {
			t.Errorf("a secret the stand-in issued reached the output")
		}
	}
	if jwt, err := os.ReadFile(w.jwt); err == nil && len(jwt) > 8 && strings.Contains(msg, strings.TrimSpace(string(jwt))) {
		t.Errorf("the identity token reached the output")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
