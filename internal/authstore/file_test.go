package authstore_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/identity"
)

func testFile(t *testing.T) *authstore.File {
	t.Helper()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f := &authstore.File{Version: 1}
	for _, e := range []authstore.Entry{
		{ID: "cred_0000000c", Label: "late", Priority: 0, AddedAt: t0.Add(2 * time.Hour)},
		{ID: "cred_0000000a", Label: "work", Priority: 0, AddedAt: t0},
		{ID: "cred_0000000d", Label: "work", Priority: 5, AddedAt: t0},
		{ID: "cred_0000000b", Label: "2", Priority: 0, AddedAt: t0.Add(time.Hour)},
	} {
		e.AuthType = authstore.AuthTypeAPIKey
		if _, err := f.AddEntry(e); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func ids(ts []authstore.Target) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.ID)
	}
	return strings.Join(s, " ")
}

func TestPoolOrderAndTargets(t *testing.T) {
	f := testFile(t)
	var pool []string
	for _, e := range f.Pool() {
		pool = append(pool, e.ID)
	}
	if got, want := strings.Join(pool, " "), "cred_0000000c cred_0000000b cred_0000000a cred_0000000d"; got != want {
		t.Fatalf("Pool order %q, want %q", got, want)
	}
	ts := f.Targets()
	if !ts[0].Active || ts[1].Active || ts[0].Number != 1 || ts[3].Number != 4 {
		t.Fatalf("targets %+v", ts)
	}

	// WIF comes first and is the active one.
	f.SetWIF(&authstore.WIF{FederationRuleID: "fdrl_x", IdentityToken: identity.Config{Source: "file", Path: "/t"}, Label: "ci"})
	ts = f.Targets()
	if got, want := ids(ts), "anthropic-wif cred_0000000c cred_0000000b cred_0000000a cred_0000000d"; got != want {
		t.Fatalf("Targets %q, want %q", got, want)
	}
	if !ts[0].Active || !ts[0].IsWIF() || ts[1].Active {
		t.Fatalf("active marking wrong: %+v", ts)
	}
}

func TestFind(t *testing.T) {
	f := testFile(t)
	f.SetWIF(&authstore.WIF{FederationRuleID: "fdrl_x", Label: "ci"})
	for target, want := range map[string]string{
		"anthropic-wif": "anthropic-wif",
		"1":             "anthropic-wif",
		"2":             "cred_0000000c",
		"5":             "cred_0000000d",
		"cred_0000000c": "cred_0000000c",
		"late":          "cred_0000000c",
		"ci":            "anthropic-wif",
	} {
		got, err := f.Find(target)
		if err != nil || got.ID != want {
			t.Errorf("Find(%q) = %s, %v; want %s", target, got.ID, err, want)
		}
	}
	for target, want := range map[string]string{
		"0":         "number 0 (1-5 are stored",
		"6":         "number 6 (1-5 are stored",
		"nope":      `"nope" is not a number, id or label`,
		"":          "empty",
		"cred_zzzz": "not a number, id or label",
	} {
		_, err := f.Find(target)
		if !errors.Is(err, authstore.ErrNoSuchTarget) || !strings.Contains(err.Error(), want) {
			t.Errorf("Find(%q) err = %v, want %q", target, err, want)
		}
	}
	_, err := f.Find("work")
	var ae *authstore.AmbiguousError
	if !errors.As(err, &ae) || len(ae.Matches) != 2 {
		t.Fatalf("Find(work) = %v", err)
	}
	for _, want := range []string{`label "work" matches 2 credentials`, "4 (cred_0000000a", "5 (cred_0000000d", "use the number or id"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}

	f.SetWIF(nil)
	if _, err := f.Find("anthropic-wif"); !errors.Is(err, authstore.ErrNoSuchTarget) || !strings.Contains(err.Error(), "--type wif") {
		t.Errorf("Find(anthropic-wif) without WIF: %v", err)
	}
}

func TestRemove(t *testing.T) {
	f := testFile(t)
	f.SetWIF(&authstore.WIF{FederationRuleID: "fdrl_x"})
	tg, _ := f.Find("late")
	f.Remove(tg)
	tg, _ = f.Find("anthropic-wif")
	f.Remove(tg)
	if got, want := ids(f.Targets()), "cred_0000000b cred_0000000a cred_0000000d"; got != want {
		t.Fatalf("after remove: %q, want %q", got, want)
	}
	if removed := f.RemoveAll(); len(removed) != 3 || len(f.Targets()) != 0 {
		t.Fatalf("RemoveAll removed %d, left %d", len(removed), len(f.Targets()))
	}
}

func TestNewEntryIDs(t *testing.T) {
	f := &authstore.File{}
	seen := map[string]bool{}
	for range 50 {
		e, err := f.AddEntry(authstore.Entry{AuthType: authstore.AuthTypeAPIKey})
		if err != nil {
			t.Fatal(err)
		}
		if len(e.ID) != len("cred_")+8 || !strings.HasPrefix(e.ID, "cred_") || seen[e.ID] {
			t.Fatalf("bad or repeated id %q", e.ID)
		}
		seen[e.ID] = true
	}
}

func TestValidateWIFIDs(t *testing.T) {
	const org = "12345678-90ab-cdef-1234-567890abcdef"
	ok := [][4]string{
		{"fdrl_01AbC", org, "", ""},
		{"fdrl_x", strings.ToUpper(org), "svac_01x", "wrkspc_01y"},
		{"fdrl_x", org, "", "default"},
	}
	for _, c := range ok {
		if err := authstore.ValidateWIFIDs(c[0], c[1], c[2], c[3]); err != nil {
			t.Errorf("%v: %v", c, err)
		}
	}
	bad := []struct {
		ids  [4]string
		want []string
	}{
		{[4]string{"", org, "", ""}, []string{"federation rule ID is missing: expected fdrl_"}},
		{[4]string{"rule_1", org, "", ""}, []string{`federation rule ID "rule_1" is malformed: expected fdrl_ followed by letters and digits`}},
		{[4]string{"fdrl_", org, "", ""}, []string{`federation rule ID "fdrl_" is malformed`}},
		{[4]string{"fdrl_x", "org_123", "", ""}, []string{`organization ID "org_123" is malformed: expected a UUID`}},
		{[4]string{"fdrl_x", "", "", ""}, []string{"organization ID is missing: expected a UUID"}},
		{[4]string{"fdrl_x", org, "sa_1", ""}, []string{`service account ID "sa_1" is malformed: expected svac_`}},
		{[4]string{"fdrl_x", org, "", "ws_1"}, []string{`workspace ID "ws_1" is malformed: expected wrkspc_ followed by letters and digits, or "default"`}},
		{[4]string{"x", "y", "", ""}, []string{"federation rule ID", "organization ID"}},
		{[4]string{"sk-ant-api03-SENTINELSENTINELSENTINEL", org, "", ""}, []string{"sk-ant-api03-SEN…NEL is malformed"}},
	}
	for _, c := range bad {
		err := authstore.ValidateWIFIDs(c.ids[0], c.ids[1], c.ids[2], c.ids[3])
		if err == nil {
			t.Errorf("%v: no error", c.ids)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: %q lacks %q", c.ids, err, w)
			}
		}
		if strings.Contains(err.Error(), "SENTINELSENTINELSENTINEL") {
			t.Errorf("secret-looking value echoed: %q", err)
		}
	}
}

func TestSwitchAndLabels(t *testing.T) {
	t.Parallel()
	f := testFile(t)
	a, err := f.Find("cred_0000000d") // priority 5: last
	if err != nil {
		t.Fatal(err)
	}
	f.Switch(a)
	if first := f.Pool()[0].ID; first != "cred_0000000d" {
		t.Fatalf("after switch the pool starts with %s", first)
	}
	if got, ok := f.LabelInUse("late"); !ok || got.ID != "cred_0000000c" {
		t.Fatalf("LabelInUse(late) = %+v, %t", got, ok)
	}
	if _, ok := f.LabelInUse(""); ok {
		t.Fatal("the empty label is in use")
	}
}
