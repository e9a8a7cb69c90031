package layout

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/hermes-agent/hermes"

// goList runs `go list` with args and returns its output's lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the import rules are read with `go list`: %v", err)
	}
	out, err := exec.Command(goBin, append([]string{"list"}, args...)...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return strings.Fields(string(out))
}

// deps is every package pkg depends on, itself included.
func deps(t *testing.T, pkg string) map[string]bool {
	t.Helper()
	set := map[string]bool{}
	for _, p := range goList(t, "-deps", pkg) {
		set[p] = true
	}
	return set
}

// TestReleaseBinaryLinksNoTestingPackage: `hermes demo` runs the stand-ins,
// so they are in the release binary; they must come without the testing
// package (its flags and init) and net/http/httptest (which registers a
// flag of its own). Tests reach them through the …test wrappers.
func TestReleaseBinaryLinksNoTestingPackage(t *testing.T) {
	linked := deps(t, module+"/cmd/hermes")
	for _, banned := range []string{"testing", "net/http/httptest"} {
		if linked[banned] {
			t.Errorf("cmd/hermes depends on %s; a package of the release binary imports it (go list -deps ./cmd/hermes)", banned)
		}
	}
	for p := range linked {
		if strings.HasPrefix(p, module+"/") && strings.HasSuffix(p, "test") {
			t.Errorf("cmd/hermes depends on the test helper %s", p)
		}
	}
}

// readFile is the file at path as a string.
func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
