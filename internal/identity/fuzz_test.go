package identity

import (
	"strings"
	"testing"
	"time"
)

// FuzzCheck feeds hostile token files to the local checks: they must never
// panic, and no finding may echo the input (a token must never reach a
// message, even a broken one).
func FuzzCheck(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	for _, seed := range []string{
		"",
		"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZXhwIjoxfQ.",
		"on:\n  push:\njobs:\n  build:\n    runs-on: ubuntu-latest\n",
		`{"value":"eyJ..."}`,
		"a.b.c",
		"...",
		strings.Repeat("A", 17<<10),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		findings := Check(raw, "file /tmp/token", now)
		secret := strings.TrimSpace(string(raw))
		for _, fd := range findings {
			if len(secret) >= 24 && strings.Contains(fd.Message, secret) {
				t.Fatalf("finding %q echoes the token", fd.Code)
			}
		}
		if c, err := Inspect(string(raw)); err == nil && c == nil {
			t.Fatal("Inspect returned neither claims nor an error")
		}
	})
}
