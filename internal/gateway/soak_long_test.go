//go:build soak

package gateway

import (
	"testing"
	"time"
)

// TestSoakLong is the full soak: 1,000 concurrent clients for 60 s, tokens
// expiring every 3 s. Run: go test -tags soak -run Soak -v ./internal/gateway/
func TestSoakLong(t *testing.T) {
	runSoak(t, 1000, 60*time.Second)
}
