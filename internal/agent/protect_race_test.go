package agent

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestReadFileSymlinkSwapRace: a model's bash loop swaps a directory
// "swap" between a plain directory (which passes the path check) and a
// symlink into HERMES_HOME (which the kernel then opens). The check on
// the opened file itself refuses every read that landed in the store:
// across many reads, zero return the stored key. (The review won 2 of
// 190 reads before the fix.)
func TestReadFileSymlinkSwapRace(t *testing.T) {
	t.Parallel()
	w := newCredWorld(t)
	a := newAgent(t, bearerRuntime("http://127.0.0.1:1"), Config{
		WorkDir: w.work, Tools: KnownTools(), Protected: []string{w.home, w.sdk, w.token},
	})
	plain := filepath.Join(w.work, "plain")
	write(t, filepath.Join(plain, "auth.json"), `{"harmless":true}`)
	swap := filepath.Join(w.work, "swap")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tmpLink, tmpDir := filepath.Join(w.work, "swap.l"), filepath.Join(w.work, "swap.d")
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			// Atomic renames: "swap" is always one or the other.
			os.Remove(tmpLink)
			os.Symlink(".hermes", tmpLink) // relative: os.Root follows it
			os.Rename(tmpLink, swap)
			os.RemoveAll(tmpDir)
			os.Symlink("plain", tmpDir)
			os.Rename(tmpDir, swap)
		}
	}()
	reads, leaks, refusals := 0, 0, 0
	for range 3000 {
		r := a.readPath("swap/auth.json")
		reads++
		if strings.Contains(r.content, "STORED") {
			leaks++
		}
		if strings.HasPrefix(r.content, "refused") {
			refusals++
		}
	}
	close(stop)
	wg.Wait()
	if leaks != 0 {
		t.Fatalf("%d of %d reads returned the stored key", leaks, reads)
	}
	t.Logf("%d reads, %d refused", reads, refusals)
}

// TestReadFileSwapAfterPathCheck makes the race certain: between the
// path check and the open, "swap" turns from a plain directory into a
// symlink to HERMES_HOME. The opened file is refused. (Not parallel:
// afterGuard is the package's.)
func TestReadFileSwapAfterPathCheck(t *testing.T) {
	w := newCredWorld(t)
	a := newAgent(t, bearerRuntime("http://127.0.0.1:1"), Config{
		WorkDir: w.work, Tools: KnownTools(), Protected: []string{w.home, w.sdk, w.token},
	})
	swap := filepath.Join(w.work, "swap")
	for _, tc := range []struct{ file, target string }{
		{"auth.json", ".hermes"},
		{"cache/wif/k.json", ".hermes"},
		{"credentials/default.json", ".config/anthropic"},
	} {
		os.RemoveAll(swap)
		write(t, filepath.Join(swap, tc.file), `{"harmless":true}`)
		afterGuard = func(rel string) {
			if rel != filepath.Join("swap", tc.file) {
				return
			}
			os.RemoveAll(swap)
			if err := os.Symlink(tc.target, swap); err != nil {
				t.Error(err)
			}
		}
		r := a.readPath("swap/" + tc.file)
		afterGuard = nil
		assertRefused(t, "read_file swap/"+tc.file+" swapped after the path check", r)
	}
}
