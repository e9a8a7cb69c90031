package authstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/authstore"
)

// FuzzLoad feeds arbitrary bytes to auth.json decoding: it never panics, a
// failure is a *CorruptError (or NewerVersionError) that does not quote the
// file, and a file it accepts finds its own targets by number and id.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		`{"version":1}`,
		`{"version":1,"providers":{"anthropic":{"wif":{"federation_rule_id":"fdrl_01","organization_id":"12345678-90ab-cdef-1234-567890abcdef","identity_token":{"file":"/tmp/t"}}}}}`,
		`{"version":1,"credential_pool":{"anthropic":[{"id":"cred_1","label":"work","auth_type":"api_key","api_key":"sk-ant-api03-FUZZSECRET"}]}}`,
		`{"version":1,"credential_pool":{"anthropic":[{"id":"cred_1","label":"a"},{"id":"cred_2","label":"a"}]},"future":{"x":1}}`,
		`{"version":99}`,
		`{"version":"1"}`,
		`{"version":1,"providers":null,"credential_pool":{"anthropic":null}}`,
		"{\n\"version\":1,\n\"api_key\":\"sk-ant-api03-FUZZSECRET\"",
		``, `null`, `[]`, `{"version":-1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		home := t.TempDir()
		if err := os.WriteFile(filepath.Join(home, authstore.FileName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := authstore.Open(home).Load()
		if err != nil {
			var ce *authstore.CorruptError
			var ne *authstore.NewerVersionError
			if !errors.As(err, &ce) && !errors.As(err, &ne) {
				t.Fatalf("Load: %T %v, want *CorruptError", err, err)
			}
			if strings.Contains(err.Error(), "FUZZSECRET") {
				t.Fatalf("the error quotes the file: %v", err)
			}
			return
		}
		for i, tg := range file.Targets() {
			got, err := file.Find(itoa(i + 1))
			if err != nil || got.ID != tg.ID {
				t.Fatalf("Find(%d) = %+v, %v; want %q", i+1, got, err, tg.ID)
			}
		}
		// A decoded file encodes again (what Update writes).
		if _, err := file.MarshalJSON(); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
	})
}

// FuzzFind checks `--credential` target parsing against a store with a WIF
// configuration, two entries sharing a label and one unique: every input
// gives a target or ErrNoSuchTarget / *AmbiguousError, never a panic.
func FuzzFind(f *testing.F) {
	for _, s := range []string{"1", "2", "3", "4", "0", "-1", "99999999999999999999", "anthropic-wif", "cred_a", "dup", "solo", "", " 1", "+1", "0x1", "cred_"} {
		f.Add(s)
	}
	home := f.TempDir()
	const doc = `{"version":1,` +
		`"providers":{"anthropic":{"wif":{"federation_rule_id":"fdrl_01","organization_id":"12345678-90ab-cdef-1234-567890abcdef"}}},` +
		`"credential_pool":{"anthropic":[{"id":"cred_a","label":"dup","auth_type":"api_key","api_key":"sk-ant-api03-a"},{"id":"cred_b","label":"dup","auth_type":"api_key","api_key":"sk-ant-api03-b"},{"id":"cred_c","label":"solo","auth_type":"api_key","api_key":"sk-ant-api03-c"}]}}`
	if err := os.WriteFile(filepath.Join(home, authstore.FileName), []byte(doc), 0o600); err != nil {
		f.Fatal(err)
	}
	file, err := authstore.Open(home).Load()
	if err != nil {
		f.Fatal(err)
	}
	if n := len(file.Targets()); n != 4 {
		f.Fatalf("%d targets, want 4", n)
	}
	f.Fuzz(func(t *testing.T, target string) {
		got, err := file.Find(target)
		var amb *authstore.AmbiguousError
		switch {
		case err == nil:
			if got.ID == "" && !got.IsWIF() {
				t.Fatalf("Find(%q) found an empty target", target)
			}
		case errors.Is(err, authstore.ErrNoSuchTarget):
		case errors.As(err, &amb):
			if target != "dup" {
				t.Fatalf("Find(%q) ambiguous: %v", target, err)
			}
		default:
			t.Fatalf("Find(%q): unexpected error %T %v", target, err, err)
		}
	})
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
