package wif

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// FuzzCacheEntry feeds arbitrary bytes to the on-disk token cache and the
// spent-assertion record: a bad entry is only a miss (never a panic, never a
// token with no value or no expiry), an accepted one survives a store and
// load unchanged, and a garbled spent record errs on the side of "spent".
func FuzzCacheEntry(f *testing.F) {
	for _, s := range []string{
		`{"version":1,"access_token":"sk-ant-oat01-x","expires_at":"2030-01-02T03:04:05Z","obtained_at":"2030-01-02T02:04:05Z","request_id":"req_1","source":"file /t"}`,
		`{"version":1,"access_token":"","expires_at":"2030-01-02T03:04:05Z"}`,
		`{"version":2,"access_token":"a","expires_at":"2030-01-02T03:04:05Z"}`,
		`{"version":1,"access_token":"a","expires_at":"0001-01-01T00:00:00Z"}`,
		`{"version":1,"access_token":"a","expires_at":"not a time"}`,
		`{"version":1,"access_token":7}`,
		`{"exp":"2030-01-02T03:04:05Z"}`, `{"exp":"0001-01-01T00:00:00Z"}`,
		``, `null`, `{`, "\x00\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := newDiskCache(t.TempDir())
		if err := fsutil.EnsureDir(c.dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(c.entryPath("k"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if e, _ := c.load("k"); e != nil {
			if e.AccessToken == "" || e.ExpiresAt.IsZero() || e.Version != cacheVersion {
				t.Fatalf("load accepted an unusable entry: %+v", e)
			}
			tok := e.token()
			if tok.Value != e.AccessToken || !tok.Expiry.Equal(e.ExpiresAt) {
				t.Fatalf("token() = %+v from %+v", tok, e)
			}
			if err := c.store("k2", e); err != nil {
				if strings.Contains(err.Error(), e.AccessToken) {
					t.Fatalf("store error quotes the token: %v", err)
				}
				return // e.g. a year outside what JSON times can hold
			}
			back, _ := c.load("k2")
			if back == nil || back.AccessToken != e.AccessToken || !back.ExpiresAt.Equal(e.ExpiresAt) {
				t.Fatalf("round trip: stored %+v, loaded %+v", e, back)
			}
		}

		fp := strings.Repeat("ab", 32)
		if err := fsutil.EnsureDir(c.spentDir()); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(c.spentDir(), fp), data, 0o600); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)
		spent := c.isSpent(fp, now)
		var r spentRecord
		if !spent && (json.Unmarshal(data, &r) != nil || r.Exp.IsZero()) {
			t.Fatalf("a garbled or exp-less spent record read as not spent: %q", data)
		}
		c.pruneSpent(now) // must not panic on any record
	})
}
