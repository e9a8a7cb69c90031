package gateway

import (
	"os/exec"
	"testing"
)

// The banner's key path, quoted by syntax.Quote (issue 24 item 7), reads
// back as the same path in a real POSIX shell, whatever it holds; a plain
// path stays bare, as before.
func TestShellQuoteRoundTrips(t *testing.T) {
	t.Parallel()
	if got := shellQuote("/home/ci/.hermes/gateway.key"); got != "/home/ci/.hermes/gateway.key" {
		t.Errorf("a plain path is quoted: %s", got)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, path := range []string{
		"/home/ci/.hermes/gateway.key",
		"/tmp/my keys/gateway.key",
		"/tmp/it's/$HOME/`id`/*.key",
		`/tmp/back\slash "quoted"/k;rm -rf x|y&`,
		"/tmp/tab\there/k",
		"/tmp/ctl\x01char/k", // POSIX quoting cannot say it: single quotes
		"",
	} {
		q := shellQuote(path)
		out, err := exec.Command(sh, "-c", "printf %s "+q).Output()
		if err != nil || string(out) != path {
			t.Errorf("shellQuote(%q) = %s; sh reads %q, %v", path, q, out, err)
		}
	}
}
