package resolve

import (
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/authstore"
)

// A pool entry's Runtime.Source (the chat banner's "credential …") says
// "pool" once: "pool entry 1 (cred_…)", not "… (credential pool)".
func TestPoolEntrySourceSaysPoolOnce(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	w.AddPool(authstore.Entry{AuthType: authstore.AuthTypeAPIKey, APIKey: testAPIKey, Source: "flag", AddedAt: time.Now()})
	rt := mustResolve(t, w.resolver())
	if !strings.HasPrefix(rt.Source, "pool entry 1 (cred_") || strings.Count(rt.Source, "pool") != 1 {
		t.Fatalf("Source = %q, want pool said once", rt.Source)
	}
}
