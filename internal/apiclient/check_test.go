package apiclient

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// A small call's body is read whole up to the bound and refused past it,
// with the error that says what that means.
func TestLimitBody(t *testing.T) {
	read := func(size int) error {
		mw := limitBody(16)
		resp, err := mw(&http.Request{}, func(*http.Request) (*http.Response, error) {
			return &http.Response{Body: io.NopCloser(strings.NewReader(strings.Repeat("x", size)))}, nil
		})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && len(b) != size {
			t.Errorf("read %d bytes of %d", len(b), size)
		}
		return err
	}
	for _, size := range []int{0, 15, 16} {
		if err := read(size); err != nil {
			t.Errorf("%d-byte body with a 16-byte bound: %v", size, err)
		}
	}
	if err := read(17); !errors.Is(err, errBodyTooLarge) {
		t.Errorf("17-byte body with a 16-byte bound: %v, want errBodyTooLarge", err)
	}
}
