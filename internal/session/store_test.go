package session

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStoreSaveLoadList(t *testing.T) {
	home := t.TempDir()
	st := NewStore(home)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	old := NewConversation(t0)
	old.Messages = []Message{{Role: "user", Content: []Block{{Type: "text", Text: "first   question\nwith lines"}}}}
	if err := st.Save(old, t0); err != nil {
		t.Fatal(err)
	}
	recent := NewConversation(t0)
	recent.Model = "claude-opus-5-5"
	if err := st.Save(recent, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	fi, err := os.Stat(filepath.Join(home, "sessions", old.ID+".json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("session file: %v, mode %v", err, fi.Mode().Perm())
	}
	di, _ := os.Stat(filepath.Join(home, "sessions"))
	if di.Mode().Perm() != 0o700 {
		t.Errorf("sessions dir mode %v", di.Mode().Perm())
	}

	got, err := st.Load(old.ID)
	if err != nil || got.Title() != "first question with lines" || len(got.Messages) != 1 {
		t.Fatalf("load = %+v, %v", got, err)
	}
	list, err := st.List()
	if err != nil || len(list) != 2 || list[0].ID != recent.ID || list[0].Model != "claude-opus-5-5" || list[1].Messages != 1 {
		t.Fatalf("list = %+v, %v", list, err)
	}
}

func TestStoreErrors(t *testing.T) {
	home := t.TempDir()
	st := NewStore(home)
	if _, err := st.Load("nope"); !errors.Is(err, ErrNoSession) || !strings.Contains(err.Error(), "--list-sessions") {
		t.Errorf("missing session: %v", err)
	}
	for _, id := range []string{"../auth", "a/b", "", ".hidden", "x..y"} {
		if _, err := st.Load(id); err == nil || !strings.Contains(err.Error(), "invalid session id") {
			t.Errorf("Load(%q) = %v", id, err)
		}
	}
	os.MkdirAll(st.Dir, 0o700)
	bad := filepath.Join(st.Dir, "broken.json")
	os.WriteFile(bad, []byte("{not json"), 0o600)
	if _, err := st.Load("broken"); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("corrupt session: %v", err)
	}
	if data, _ := os.ReadFile(bad); string(data) != "{not json" {
		t.Error("corrupt session file was changed")
	}
	list, err := st.List()
	if err != nil || len(list) != 1 || list[0].Err == "" {
		t.Errorf("list with a corrupt file = %+v, %v", list, err)
	}
}

// Two processes resuming one session would each save their own copy and
// the last save would win; the session lock lets only one use it.
func TestStoreSessionLock(t *testing.T) {
	st := NewStore(t.TempDir())
	c := NewConversation(time.Now())
	if err := st.Save(c, time.Now()); err != nil {
		t.Fatal(err)
	}
	conv, lk, err := st.Open(c.ID)
	if err != nil || conv.ID != c.ID {
		t.Fatalf("Open: %v", err)
	}
	// flock locks belong to an open file, so a second lock in this process
	// conflicts like one in another process.
	if _, _, err := st.Open(c.ID); !errors.Is(err, ErrSessionInUse) || !strings.Contains(err.Error(), c.ID) || !strings.Contains(err.Error(), "another hermes process") {
		t.Errorf("second Open: %v", err)
	}
	if _, err := st.Lock(c.ID); !errors.Is(err, ErrSessionInUse) {
		t.Errorf("second Lock: %v", err)
	}
	lk.Unlock()
	_, lk, err = st.Open(c.ID)
	if err != nil {
		t.Fatalf("Open after Unlock: %v", err)
	}
	lk.Unlock()
	if fi, err := os.Stat(filepath.Join(st.Dir, c.ID+".lock")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v %v", fi, err)
	}
	if list, _ := st.List(); len(list) != 1 {
		t.Errorf("List shows lock files: %+v", list)
	}

	if _, _, err := st.Open("20990101-000000-000000000000"); !errors.Is(err, ErrNoSession) {
		t.Errorf("Open of a missing session: %v", err)
	}
	if _, err := os.Stat(filepath.Join(st.Dir, "20990101-000000-000000000000.lock")); err == nil {
		t.Error("Open of a missing session left a lock file")
	}
	// A session that was never saved leaves no lock file behind.
	fresh := NewConversation(time.Now())
	lk, err = st.Lock(fresh.ID)
	if err != nil {
		t.Fatal(err)
	}
	lk.Unlock()
	if _, err := os.Stat(filepath.Join(st.Dir, fresh.ID+".lock")); err == nil {
		t.Error("an unsaved session left its lock file")
	}
	if _, err := st.Lock("../x"); err == nil || !strings.Contains(err.Error(), "invalid session id") {
		t.Errorf("Lock(../x) = %v", err)
	}
}
