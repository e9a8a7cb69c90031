package wif

import (
	"context"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
)

// BenchmarkTokenWarm is the hot path every request takes.
func BenchmarkTokenWarm(b *testing.B) {
	s := &Source{now: time.Now}
	s.cur.Store(newCachedToken(credential.Token{Value: "sk-ant-oat01-x", Expiry: time.Now().Add(time.Hour)}, time.Now(), "", ""))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Token(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
