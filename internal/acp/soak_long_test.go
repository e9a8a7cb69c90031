//go:build soak

package acp

import (
	"testing"
	"time"
)

// TestSoakLong is the full ACP soak: 50 sessions on one editor connection
// prompting for 60 s, tokens expiring every 3 s.
// Run: go test -tags soak -run Soak -v ./internal/acp/
func TestSoakLong(t *testing.T) {
	runSoak(t, 50, 60*time.Second)
}
