package demo_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/hermes-agent/hermes/internal/cli/factory"
	"github.com/hermes-agent/hermes/internal/cli/root"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// hermesModeEnv makes this test binary act as hermes when the demo runs it
// as a step (the demo runs os.Executable()):
//
//	real   the real hermes
//	leak   the real hermes, except that it also writes the identity token
//	       file's JWT to stderr (the demo's sentinel check must catch it)
//	fail   writes the identity token file's JWT to stderr and exits 1 (the
//	       demo must report the failure with the JWT redacted)
const hermesModeEnv = "DEMOTEST_HERMES_MODE"

func TestMain(m *testing.M) {
	args := os.Args[1:]
	switch os.Getenv(hermesModeEnv) {
	case "":
		goleak.VerifyTestMain(m)
	case "real":
		os.Exit(root.Main(args))
	case "leak":
		leakTokenFile(args)
		os.Exit(root.Main(args))
	case "fail":
		leakTokenFile(args)
		os.Exit(1)
	}
	os.Exit(3)
}

func leakTokenFile(args []string) {
	for i, a := range args {
		if a == "--identity-token-file" && i+1 < len(args) {
			data, _ := os.ReadFile(args[i+1])
			os.Stderr.WriteString("debug: assertion " + string(data))
		}
	}
}

// environ is the test process's environment with the hermes mode set and
// some ambient credentials the demo must ignore.
func environ(mode string) func() []string {
	return func() []string {
		return append(os.Environ(), hermesModeEnv+"="+mode,
			"ANTHROPIC_API_KEY=sk-ant-api03-AMBIENT-must-not-be-used-0000",
			"ANTHROPIC_BASE_URL=http://127.0.0.1:9", // loopback discard port: nothing there
			"HERMES_HOME=/nonexistent/hermes-home",
			// A race-enabled step would otherwise sleep 1 s at each clean exit.
			"GORACE=atexit_sleep_ms=0")
	}
}

// runHermes runs `hermes args...` in this process with test streams.
func runHermes(t testing.TB, mode string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	f := factory.New()
	f.IO = io
	f.Environ = environ(mode)
	code = root.Run(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

var wantSteps = []string{
	"start an OIDC issuer and an Anthropic API stand-in on 127.0.0.1",
	"mint a workload identity token (OIDC JWT) into a file",
	"hermes auth add anthropic --type wif",
	"hermes auth status",
	"hermes chat -q (first process: exchanges the JWT)",
	"hermes chat -q (second process: reuses the cached token)",
	"a call through the gateway with the official Anthropic SDK",
	"hermes auth add anthropic --type oauth (login against the stand-in's authorization server)",
	"no secret in any output",
}

var homeLine = regexp.MustCompile(`(?m)^  HERMES_HOME (\S+) \(temporary\)$`)

func TestDemoEndToEnd(t *testing.T) {
	code, stdout, stderr := runHermes(t, "real", "demo")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	t.Logf("hermes demo:\n%s", stdout)
	for _, s := range wantSteps {
		if !regexp.MustCompile(`(?m)^✓ ` + regexp.QuoteMeta(s) + ` \((\d+ ms|\d+\.\d\d s)\)$`).MatchString(stdout) {
			t.Errorf("no ✓ line for %q in:\n%s", s, stdout)
		}
	}
	for _, want := range []string{
		"answer: echo: What is Workload Identity Federation, in one sentence?",
		"still 1 token exchange in total: the second process used the cached token",
		"answer: echo: Hello through the gateway",
		"answer with --credential demo-oauth: echo: Hello with an OAuth login",
		"✓ demo passed: 9 steps in ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "✗") || strings.Contains(stdout, "\x1b[") {
		t.Errorf("a failure marker or colour on a non-terminal:\n%s", stdout)
	}
	if stderr != "" {
		t.Errorf("stderr: %s", stderr)
	}
	m := homeLine.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no HERMES_HOME line in:\n%s", stdout)
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("the temporary HERMES_HOME %s was not removed (stat: %v)", m[1], err)
	}
}

func TestDemoKeep(t *testing.T) {
	code, stdout, stderr := runHermes(t, "real", "demo", "--keep")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	m := homeLine.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no HERMES_HOME line in:\n%s", stdout)
	}
	t.Cleanup(func() { os.RemoveAll(strings.TrimSuffix(m[1], "/hermes")) })
	if _, err := os.Stat(m[1] + "/auth.json"); err != nil {
		t.Errorf("--keep: %v", err)
	}
	if !strings.Contains(stderr, "kept ") || !strings.Contains(stderr, m[1]) {
		t.Errorf("stderr does not say what was kept: %q", stderr)
	}
}

// A step that prints the JWT passes on its own, but the sentinel check
// fails the demo, and nothing printed contains the JWT.
func TestDemoCatchesALeak(t *testing.T) {
	code, stdout, stderr := runHermes(t, "leak", "demo")
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"✗ no secret in any output (",
		"secret leaked: hermes auth add (step run 1) stderr contains eyJ…(JWT, ",
		"✗ demo failed at \"no secret in any output\" after 8 step(s) passed",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout+stderr, "eyJhbGci") {
		t.Errorf("the JWT itself was printed:\n%s%s", stdout, stderr)
	}
}

func TestDemoFailingStep(t *testing.T) {
	code, stdout, stderr := runHermes(t, "fail", "demo")
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"✗ hermes auth add anthropic --type wif (",
		"    hermes auth exited with status 1",
		"    debug: assertion eyJ…(JWT, ",
		"✗ demo failed at \"hermes auth add anthropic --type wif\" after 2 step(s) passed",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "hermes auth status") {
		t.Errorf("the demo went on after a failed step:\n%s", stdout)
	}
	if strings.Contains(stdout+stderr, "eyJhbGci") {
		t.Errorf("the JWT itself was printed:\n%s%s", stdout, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr (the failure is reported once, on stdout): %q", stderr)
	}
}

// BenchmarkDemo measures the demo's wall time (the spec wants it well
// under 3 s).
func BenchmarkDemo(b *testing.B) {
	for b.Loop() {
		if code, stdout, stderr := runHermes(b, "real", "demo"); code != 0 {
			b.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
	}
}
