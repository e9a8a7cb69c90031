package wif

import "testing"

// A 401 for an older token must not make the source forget that the
// current one was refused: both stay out of the disk cache's reach.
func TestInvalidateRemembersEveryRefusedValue(t *testing.T) {
	t.Parallel()
	s := &Source{}
	s.Invalidate("current")
	s.Invalidate("older")
	if !s.isRejected("current") || !s.isRejected("older") {
		t.Errorf("rejected = %q, want both values", *s.rejected.Load())
	}
	for i := range 2 * maxRejected {
		s.Invalidate(string(rune('a' + i)))
	}
	if n := len(*s.rejected.Load()); n != maxRejected {
		t.Errorf("%d values remembered, want at most %d", n, maxRejected)
	}
}
