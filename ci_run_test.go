package action

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// .ci/run fails at once, with the reason, on a machine with no C compiler
// (-race needs cgo), instead of after a long build.
func TestCIRunNeedsACCompiler(t *testing.T) {
	bin := t.TempDir()
	for _, tool := range []string{"bash", "dirname", "go"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("%s not found", tool)
		}
		if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(filepath.Join(bin, "bash"), ".ci/run")
	cmd.Env = []string{"PATH=" + bin, "HOME=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), ".ci/run needs a C compiler (gcc or cc): go vet -race and go test -race need cgo") {
		t.Fatalf("err = %v, output:\n%s", err, out)
	}
}
