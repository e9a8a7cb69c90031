package anthropicstandin

import (
	"testing"
	"time"
)

// The soak's exchange check judges correctness, not the machine's speed.
func TestCheckNoStampede(t *testing.T) {
	ttl := 3 * time.Second
	// A loaded machine that sent few requests over a long run: fine.
	if err := checkNoStampede(2, 0, 20*ttl, ttl, 0); err != nil {
		t.Errorf("few exchanges on a slow run: %v", err)
	}
	// One exchange per half-life window and per 401: fine.
	if err := checkNoStampede(2+8+3, 0, 4*ttl, ttl, 3); err != nil {
		t.Errorf("one per window: %v", err)
	}
	for name, err := range map[string]error{
		"a replayed assertion": checkNoStampede(3, 1, 4*ttl, ttl, 0),
		"a stampede":           checkNoStampede(50, 0, 4*ttl, ttl, 0),
		"no exchange at all":   checkNoStampede(0, 0, 4*ttl, ttl, 0),
	} {
		if err == nil {
			t.Errorf("%s passed", name)
		}
	}
}
