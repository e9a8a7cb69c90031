package logout

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// A writer of auth.json killed mid-write (kill -9) leaves its temp file, a
// full copy of auth.json with its keys. `auth logout` removes every such
// file, however young (each writer holds the store's lock while its temp
// file exists, and logout removes them under that lock), and whether or
// not anything was still stored (issue 23 item 9).
func TestLogoutRemovesTempCopiesOfAuthFile(t *testing.T) {
	for _, stored := range []bool{false, true} {
		name := "nothing stored"
		if stored {
			name = "a key stored"
		}
		t.Run(name, func(t *testing.T) {
			home := t.TempDir()
			if err := os.Chmod(home, 0o700); err != nil {
				t.Fatal(err)
			}
			if stored {
				err := authstore.Open(home).Update(context.Background(), func(f *authstore.File) error {
					_, err := f.AddEntry(authstore.Entry{AuthType: authstore.AuthTypeAPIKey, Source: "flag", APIKey: "sk-ant-api03-LOGOUTtempKEY0123456789abcdef"})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			// Left a moment ago by a killed writer (younger than the
			// minute after which any write sweeps it).
			left := filepath.Join(home, ".auth.json.tmp-4242")
			if err := os.WriteFile(left, []byte(`{"version":1,"credential_pool":{"anthropic":[{"api_key":"sk-ant-api03-LEFTOVERkey0123456789abcdef"}]}}`), 0o600); err != nil {
				t.Fatal(err)
			}
			ios, _, _, _ := iostreams.Test()
			opts := &Options{IO: ios, Home: func() (string, error) { return home, nil }, Getenv: func(string) string { return "" }, Provider: authstore.ProviderAnthropic}
			if err := Run(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(left); !os.IsNotExist(err) {
				t.Errorf("auth logout left %s, a copy of auth.json with its keys (%v)", left, err)
			}
		})
	}
}
