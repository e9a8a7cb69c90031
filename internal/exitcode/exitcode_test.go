package exitcode

import (
	"errors"
	"fmt"
	"testing"
)

type coded int

func (c coded) Error() string { return "coded" }
func (c coded) ExitCode() int { return int(c) }

func TestOf(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, OK},
		{errors.New("x"), Error},
		{fmt.Errorf("wrapped: %w", coded(Auth)), Auth},
		{fmt.Errorf("%w: stop", ErrInterrupted), Interrupted},
		{coded(Usage), Usage},
	}
	for _, tt := range tests {
		if got := Of(tt.err); got != tt.want {
			t.Errorf("Of(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
	if !IsAuth(fmt.Errorf("x: %w", coded(Auth))) || IsAuth(coded(Error)) || IsAuth(nil) {
		t.Error("IsAuth")
	}
}
