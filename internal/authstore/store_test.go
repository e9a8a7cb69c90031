package authstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/identity"
)

// A test binary re-executed with helperEnv set adds one entry and exits:
// the store's concurrency is tested across real processes.
const helperEnv = "AUTHSTORE_TEST_HELPER_ADD"

func TestMain(m *testing.M) {
	if v := os.Getenv(helperEnv); v != "" {
		home, key, _ := strings.Cut(v, "|")
		err := authstore.Open(home).Update(context.Background(), func(f *authstore.File) error {
			_, err := f.AddEntry(authstore.Entry{AuthType: authstore.AuthTypeAPIKey, APIKey: key, Source: "flag", AddedAt: time.Now()})
			return err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	// The helpers inherit it: a race-enabled process otherwise sleeps 1 s
	// at each clean exit (a race still makes it exit 66).
	os.Setenv("GORACE", "atexit_sleep_ms=0 "+os.Getenv("GORACE"))
	os.Exit(m.Run())
}

func addKey(t *testing.T, s *authstore.Store, key, label string) authstore.Entry {
	t.Helper()
	var got authstore.Entry
	err := s.Update(context.Background(), func(f *authstore.File) error {
		var err error
		got, err = f.AddEntry(authstore.Entry{AuthType: authstore.AuthTypeAPIKey, APIKey: key, Label: label, Source: "flag", AddedAt: time.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestLoadMissingIsEmpty(t *testing.T) {
	s := authstore.Open(filepath.Join(t.TempDir(), "home"))
	f, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 1 || f.WIF() != nil || len(f.Pool()) != 0 {
		t.Fatalf("want an empty file, got %+v", f)
	}
	if _, err := os.Stat(s.Home()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load created %s", s.Home())
	}
}

func TestPermissions(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	s := authstore.Open(home)
	addKey(t, s, "sk-ant-api03-aaaaaaaaaaaaaaaaaaaa", "")
	for path, want := range map[string]os.FileMode{
		home:               0o700,
		s.Path():           0o600,
		s.Path() + ".lock": 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
	// A file someone made world-readable is tightened by the next write.
	if err := os.Chmod(s.Path(), 0o644); err != nil {
		t.Fatal(err)
	}
	addKey(t, s, "sk-ant-api03-bbbbbbbbbbbbbbbbbbbb", "")
	if fi, _ := os.Stat(s.Path()); fi.Mode().Perm() != 0o600 {
		t.Errorf("after rewrite: mode %o, want 600", fi.Mode().Perm())
	}
}

func TestRoundTripAndUnknownFieldsSurvive(t *testing.T) {
	home := t.TempDir()
	s := authstore.Open(home)
	orig := `{
  "version": 1,
  "future_top": {"x": [1, 2]},
  "providers": {"anthropic": {"future_provider": "p", "wif": {"federation_rule_id": "fdrl_1", "organization_id": "o", "identity_token": {"source": "file", "path": "/t"}, "added_at": "2025-01-01T00:00:00Z"}}},
  "credential_pool": {"anthropic": [{"id": "cred_00000001", "auth_type": "api_key", "source": "flag", "priority": 0, "api_key": "sk-ant-api03-xxxxxxxxxxxxxxxx", "future_entry": true, "added_at": "2025-01-01T00:00:00Z"}],
                      "other": [{"id": "cred_00000002", "auth_type": "api_key", "source": "flag", "priority": 0, "added_at": "2025-01-01T00:00:00Z"}]}
}`
	if err := os.WriteFile(s.Path(), []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	addKey(t, s, "sk-ant-api03-yyyyyyyyyyyyyyyyyyyy", "second")

	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(raw["future_top"]) != "map[x:[1 2]]" {
		t.Errorf("future_top lost: %s", data)
	}
	prov := raw["providers"].(map[string]any)["anthropic"].(map[string]any)
	if prov["future_provider"] != "p" || prov["wif"] == nil {
		t.Errorf("provider fields lost: %s", data)
	}
	pool := raw["credential_pool"].(map[string]any)
	if len(pool["anthropic"].([]any)) != 2 || len(pool["other"].([]any)) != 1 {
		t.Errorf("pool damaged: %s", data)
	}
	if pool["anthropic"].([]any)[0].(map[string]any)["future_entry"] != true {
		t.Errorf("entry field lost: %s", data)
	}

	f, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if w := f.WIF(); w == nil || w.FederationRuleID != "fdrl_1" || w.IdentityToken != (identity.Config{Source: "file", Path: "/t"}) {
		t.Errorf("WIF = %+v", f.WIF())
	}
}

func TestCorruptFileIsReportedAndNeverOverwritten(t *testing.T) {
	for name, content := range map[string]string{
		"syntax":     "{\"version\": 1,\n \"credential_pool\": {",
		"type":       `{"version": 1, "credential_pool": {"anthropic": {"id": 1}}}`,
		"no version": `{"providers": {}}`,
		"empty":      ``,
		"array":      `[1]`,
	} {
		t.Run(name, func(t *testing.T) {
			home := t.TempDir()
			s := authstore.Open(home)
			if err := os.WriteFile(s.Path(), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := s.Load()
			var ce *authstore.CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Load: want *CorruptError, got %v", err)
			}
			for _, want := range []string{s.Path(), "fix or move it away", "will not overwrite"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			called := false
			err = s.Update(context.Background(), func(*authstore.File) error { called = true; return nil })
			if !errors.As(err, &ce) || called {
				t.Fatalf("Update: err %v, fn called %v", err, called)
			}
			if got, _ := os.ReadFile(s.Path()); string(got) != content {
				t.Fatalf("corrupt file was changed to %q", got)
			}
		})
	}
}

func TestNewerVersionIsNotRewritten(t *testing.T) {
	s := authstore.Open(t.TempDir())
	content := `{"version": 2, "providers": {}, "credential_pool": {}}`
	os.WriteFile(s.Path(), []byte(content), 0o600)
	err := s.Update(context.Background(), func(*authstore.File) error { return nil })
	var ve *authstore.NewerVersionError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "upgrade hermes") {
		t.Fatalf("err = %v", err)
	}
	if got, _ := os.ReadFile(s.Path()); string(got) != content {
		t.Fatal("file changed")
	}
}

func TestUpdateFnErrorWritesNothing(t *testing.T) {
	s := authstore.Open(t.TempDir())
	addKey(t, s, "sk-ant-api03-aaaaaaaaaaaaaaaaaaaa", "")
	before, _ := os.ReadFile(s.Path())
	boom := errors.New("boom")
	err := s.Update(context.Background(), func(f *authstore.File) error {
		f.RemoveAll()
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if after, _ := os.ReadFile(s.Path()); string(after) != string(before) {
		t.Fatal("file changed although fn failed")
	}
}

func TestCrashBeforeRenameKeepsOldFile(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	s := authstore.Open(home)
	addKey(t, s, "sk-ant-api03-aaaaaaaaaaaaaaaaaaaa", "")
	before, _ := os.ReadFile(s.Path())

	crash := errors.New("simulated crash")
	var tmpSeen string
	authstore.SetBeforeRename(s, func(tmp string) error {
		tmpSeen = tmp
		// The new content is complete and synced in the temp file...
		if data, err := os.ReadFile(tmp); err != nil || !strings.Contains(string(data), "bbbb") {
			t.Errorf("temp file not fully written: %v", err)
		}
		return crash
	})
	err := s.Update(context.Background(), func(f *authstore.File) error {
		_, err := f.AddEntry(authstore.Entry{AuthType: authstore.AuthTypeAPIKey, APIKey: "sk-ant-api03-bbbbbbbbbbbbbbbbbbbb"})
		return err
	})
	authstore.SetBeforeRename(s, nil)
	if !errors.Is(err, crash) {
		t.Fatalf("err = %v", err)
	}
	// ...but the file readers see is the old one, whole.
	if after, _ := os.ReadFile(s.Path()); string(after) != string(before) {
		t.Fatalf("auth.json changed:\n%s", after)
	}
	f, err := s.Load()
	if err != nil || len(f.Pool()) != 1 {
		t.Fatalf("after crash: %v, %d entries", err, len(f.Pool()))
	}
	if _, err := os.Stat(tmpSeen); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp file %s left behind", tmpSeen)
	}
	// The lock was released: the next writer proceeds.
	addKey(t, s, "sk-ant-api03-cccccccccccccccccccc", "")
}

// Twenty processes each add one entry at the same time; none is lost.
func TestConcurrentProcessesLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	home := t.TempDir()
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|sk-ant-api03-concurrent%08d", helperEnv, home, i))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("process %d: %v: %s", i, err, out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	f, err := authstore.Open(home).Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range f.Pool() {
		seen[e.APIKey] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct entries, want %d", len(seen), n)
	}
}

// Goroutines with their own Store values contend on the same lock file.
func TestConcurrentGoroutinesLoseNothing(t *testing.T) {
	home := t.TempDir()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addKey(t, authstore.Open(home), fmt.Sprintf("sk-ant-api03-goroutine%08d", i), "")
		}()
	}
	wg.Wait()
	f, _ := authstore.Open(home).Load()
	if len(f.Pool()) != 20 {
		t.Fatalf("%d entries, want 20", len(f.Pool()))
	}
}

// A login used in place is registered once: adding the same file again
// finds the entry (its id, its label) instead of adding a second one.
func TestAddInPlaceRegistersAFileOnce(t *testing.T) {
	s := authstore.Open(t.TempDir())
	ctx := context.Background()
	first, err := s.AddInPlace(ctx, authstore.Entry{Label: "cc", Source: authstore.SourceClaudeCode, File: "/x/.credentials.json"})
	if err != nil {
		t.Fatal(err)
	}
	if first.ID == "" || first.AuthType != authstore.AuthTypeOAuth {
		t.Fatalf("first: %+v", first)
	}
	again, err := s.AddInPlace(ctx, authstore.Entry{Label: "other", Source: authstore.SourceClaudeCode, File: "/x/.credentials.json"})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || again.Label != "cc" {
		t.Errorf("again: %+v, want the first entry %+v", again, first)
	}
	f, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.CredentialPool[authstore.ProviderAnthropic]); n != 1 {
		t.Errorf("%d pool entries, want 1", n)
	}
}
