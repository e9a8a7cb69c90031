package agent

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
	recent.Model = "claude-x"
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
	if err != nil || len(list) != 2 || list[0].ID != recent.ID || list[0].Model != "claude-x" || list[1].Messages != 1 {
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
