package wif

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ForgetCachedTokens removes every cached WIF token (HERMES_HOME/cache/wif),
// so that removing or replacing a WIF configuration also drops what it minted.
// The spent-assertion record (cache/wif/spent/, hashes only) is kept until
// the JWTs it lists expire: re-adding the same un-rotated token file must
// not send a used JWT again. An entry holding one of the keep tokens (the
// one `auth add --check` just exchanged for the configuration it stores)
// stays. A missing cache is not an error.
func ForgetCachedTokens(home string, keep ...string) error {
	dir := CacheDir(home)
	c := newDiskCache(home)
	kept := map[string]bool{}
	if len(keep) > 0 {
		ents, _ := os.ReadDir(dir)
		for _, ent := range ents {
			key, ok := strings.CutSuffix(ent.Name(), ".json")
			if e := c.peek(key); ok && e != nil && slices.Contains(keep, e.AccessToken) {
				kept[key+".json"], kept[key+".lock"] = true, true
			}
		}
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove cached WIF tokens in %s: %w", dir, err)
	}
	for _, ent := range ents {
		if ent.Name() == "spent" && ent.IsDir() || kept[ent.Name()] {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, ent.Name())); err != nil {
			return fmt.Errorf("remove cached WIF tokens in %s: %w", dir, err)
		}
	}
	c.pruneSpent(time.Now())
	// Nothing left to remember: no empty directories either.
	if os.Remove(c.spentDir()) == nil || !exists(c.spentDir()) {
		os.Remove(dir)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
