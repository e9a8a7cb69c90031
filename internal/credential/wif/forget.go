package wif

import (
	"fmt"
	"os"
	"path/filepath"
)

// ForgetCachedTokens removes every cached WIF token (HERMES_HOME/cache/wif),
// so that removing or replacing a WIF configuration also drops what it minted.
// A missing cache is not an error.
func ForgetCachedTokens(home string) error {
	dir := filepath.Join(home, "cache", "wif")
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove cached WIF tokens in %s: %w", dir, err)
	}
	return nil
}
