package wif

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/fsutil"
)

// CacheDir is where exchanged WIF tokens and the spent-assertion record
// live: HERMES_HOME/cache/wif. ForgetCachedTokens removes the tokens and
// keeps the spent record until its JWTs expire.
func CacheDir(home string) string { return filepath.Join(home, "cache", "wif") }

const cacheVersion = 1

// cacheEntry is one exchanged token on disk, 0600: cache/wif/<key>.json,
// <key> being the configuration's and the identity's (identityKey), or the
// configuration's alone for a minting source.
type cacheEntry struct {
	Version     int       `json:"version"`
	AccessToken string    `json:"access_token"`
	ExpiresAt   time.Time `json:"expires_at"`
	ObtainedAt  time.Time `json:"obtained_at"`
	RequestID   string    `json:"request_id,omitempty"`
	// Identity is identityOf the assertion exchanged (sha256 of its iss,
	// sub and aud): the entry serves only that identity.
	Identity string `json:"identity,omitempty"`
	Source   string `json:"source,omitempty"` // non-secret description, for humans reading the dir
}

func (e *cacheEntry) token() credential.Token {
	return credential.Token{Value: e.AccessToken, Expiry: e.ExpiresAt}
}

// diskCache is the token cache shared by every hermes process of a user.
// Entries are written atomically; a lock per key makes concurrent cold
// processes wait for one exchange instead of each making their own.
type diskCache struct{ home, dir string }

func newDiskCache(home string) *diskCache {
	if home == "" {
		return nil
	}
	return &diskCache{home: home, dir: CacheDir(home)}
}

// identityKey is the cache key of the token exchanged for identity id
// (identityOf) under the configuration key (Config.Key).
func identityKey(key, id string) string { return key + "-" + id }

// newest is the key of the newest readable entry of the configuration
// key, whatever identity it was exchanged for; "" when there is none.
func (c *diskCache) newest(key string) string {
	ents, err := os.ReadDir(c.dir)
	if err != nil {
		return ""
	}
	var best string
	var bestAt time.Time
	for _, ent := range ents {
		k, ok := strings.CutSuffix(ent.Name(), ".json")
		if !ok || (k != key && !strings.HasPrefix(k, key+"-")) {
			continue
		}
		if e := c.peek(k); e != nil && (best == "" || e.ObtainedAt.After(bestAt)) {
			best, bestAt = k, e.ObtainedAt
		}
	}
	return best
}

func (c *diskCache) entryPath(key string) string { return filepath.Join(c.dir, key+".json") }
func (c *diskCache) lockPath(key string) string  { return filepath.Join(c.dir, key+".lock") }
func (c *diskCache) spentDir() string            { return filepath.Join(c.dir, "spent") }

// load returns the entry for key, or nil when there is none or it is
// unreadable: a corrupt cache entry is only a cache miss, and the next
// store replaces it. An entry another user could have planted (in a
// HERMES_HOME, cache/ or cache/wif/ others own or can write; owned by
// someone else, writable by others, a symlink) is never used — a planted
// token would send prompts to someone else's organisation — and is an
// error naming the path and the fix (fsutil.NotPrivateError); it is left
// alone, not replaced.
func (c *diskCache) load(key string) (*cacheEntry, error) {
	data, err := fsutil.ReadPrivateFileUnder(c.home, c.entryPath(key), 64<<10)
	if fsutil.IsNotPrivate(err) {
		return nil, err
	}
	if err != nil {
		return nil, nil
	}
	var e cacheEntry
	if json.Unmarshal(data, &e) != nil || e.Version != cacheVersion || e.AccessToken == "" || e.ExpiresAt.IsZero() {
		return nil, nil
	}
	return &e, nil
}

// peek is load for display: a refused entry is no entry.
func (c *diskCache) peek(key string) *cacheEntry {
	e, _ := c.load(key)
	return e
}

func (c *diskCache) store(key string, e *cacheEntry) error {
	if err := fsutil.EnsureDir(c.dir); err != nil {
		return err
	}
	e.Version = cacheVersion
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return fsutil.WritePrivateFile(c.home, c.entryPath(key), data)
}

// entryReserve is the space reserved for one cache entry before an
// exchange: a page, several times an entry's size.
const entryReserve = 4096

// reserve takes the space to store key's entry (see fsutil.Reserve).
func (c *diskCache) reserve(key string) (*fsutil.Reserved, error) {
	if err := fsutil.EnsureDir(c.dir); err != nil {
		return nil, err
	}
	return fsutil.ReservePrivateFile(c.home, c.entryPath(key), entryReserve)
}

// commit stores e through r.
func (c *diskCache) commit(r *fsutil.Reserved, e *cacheEntry) error {
	e.Version = cacheVersion
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return r.Commit(data)
}

// remove drops key's entry if it still holds value (a token the API refused).
func (c *diskCache) remove(key, value string) {
	if e := c.peek(key); e != nil && e.AccessToken == value {
		os.Remove(c.entryPath(key))
	}
}

func (c *diskCache) lock(ctx context.Context, key string) (*fsutil.Lock, error) {
	// No lock file, and so no exchange, in a directory others could
	// plant entries in.
	if err := fsutil.CheckPrivateTree(c.home, c.dir); err != nil {
		return nil, err
	}
	if err := fsutil.EnsureDir(c.dir); err != nil {
		return nil, err
	}
	return fsutil.LockFile(ctx, c.lockPath(key))
}

// The spent-assertion record: one file per exchanged assertion, named by
// its fingerprint (sha256 hex, never the JWT), holding the JWT's exp so the
// record can be pruned once the server would refuse the JWT anyway.

type spentRecord struct {
	Exp time.Time `json:"exp"`
	// Failed is the error the exchange of this assertion ended with, if it
	// failed: a later lookup reports it instead of "already exchanged".
	Failed *failedExchange `json:"failed,omitempty"`
}

// failedExchange is a failed exchange as stored: its (already redacted)
// message and exit code.
type failedExchange struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
}

// spentRecordLimit bounds a record file (a failure message included).
const spentRecordLimit = 16 << 10

// spentKeep is how long past exp a record is kept: the server allows 30 s
// of clock skew, and our clock may be behind the server's.
const spentKeep = 5 * time.Minute

// spentDefaultLife bounds a record whose JWT has no exp.
const spentDefaultLife = 24 * time.Hour

func validFingerprint(fp string) bool {
	if len(fp) != sha256.Size*2 {
		return false
	}
	_, err := hex.DecodeString(fp)
	return err == nil
}

func (c *diskCache) isSpent(fp string, now time.Time) bool {
	if !validFingerprint(fp) {
		return false
	}
	data, err := fsutil.ReadPrivateFileUnder(c.home, filepath.Join(c.spentDir(), fp), spentRecordLimit)
	if err != nil {
		// Missing: not spent. Unreadable or refused: err on the side of
		// not sending an assertion twice.
		return !errors.Is(err, fs.ErrNotExist)
	}
	var r spentRecord
	if json.Unmarshal(data, &r) != nil {
		return true
	}
	return r.Exp.IsZero() || now.Before(r.Exp.Add(spentKeep))
}

func (c *diskCache) markSpent(fp string, exp, now time.Time) error {
	return c.writeSpent(fp, spentRecord{Exp: exp}, now)
}

// markFailed records that the exchange of fp failed with f.
func (c *diskCache) markFailed(fp string, exp, now time.Time, f *failedExchange) error {
	return c.writeSpent(fp, spentRecord{Exp: exp, Failed: f}, now)
}

// failure is the stored failure of fp's exchange, or nil.
func (c *diskCache) failure(fp string) *failedExchange {
	if !validFingerprint(fp) {
		return nil
	}
	data, err := fsutil.ReadPrivateFileUnder(c.home, filepath.Join(c.spentDir(), fp), spentRecordLimit)
	if err != nil {
		return nil
	}
	var r spentRecord
	if json.Unmarshal(data, &r) != nil || r.Failed == nil || r.Failed.Message == "" {
		return nil
	}
	return r.Failed
}

func (c *diskCache) writeSpent(fp string, r spentRecord, now time.Time) error {
	if !validFingerprint(fp) {
		return errors.New("invalid assertion fingerprint")
	}
	if r.Exp.IsZero() {
		r.Exp = now.Add(spentDefaultLife)
	}
	if err := fsutil.EnsureDir(c.spentDir()); err != nil {
		return err
	}
	data, _ := json.Marshal(r)
	return fsutil.WritePrivateFile(c.home, filepath.Join(c.spentDir(), fp), data)
}

// unmarkSpent forgets fp: used only when the assertion provably never left
// this machine (the connection could not be made).
func (c *diskCache) unmarkSpent(fp string) {
	if validFingerprint(fp) {
		os.Remove(filepath.Join(c.spentDir(), fp))
	}
}

// pruneSpent removes records whose JWT the server would refuse anyway.
func (c *diskCache) pruneSpent(now time.Time) {
	ents, err := os.ReadDir(c.spentDir())
	if err != nil {
		return
	}
	for _, ent := range ents {
		name := ent.Name()
		if strings.HasPrefix(name, ".") || !validFingerprint(name) {
			continue
		}
		data, err := fsutil.ReadPrivateFileUnder(c.home, filepath.Join(c.spentDir(), name), spentRecordLimit)
		if err != nil {
			continue // a record we would not trust is not ours to delete
		}
		var r spentRecord
		if json.Unmarshal(data, &r) == nil && !r.Exp.IsZero() && now.After(r.Exp.Add(spentKeep)) {
			os.Remove(filepath.Join(c.spentDir(), name))
		}
	}
}
