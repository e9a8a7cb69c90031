package authstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// FileName is the store's file inside HERMES_HOME; the lock sits next to it.
const FileName = "auth.json"

// maxFileBytes bounds what Load reads: auth.json holds a handful of small
// entries, so anything larger is not ours.
const maxFileBytes = 4 << 20

// Store is auth.json inside one HERMES_HOME. It holds no state: every Load
// reads the file, every Update re-reads it under the lock.
type Store struct {
	home   string
	writer *fsutil.Writer // nil: fsutil's plain writes; tests simulate crashes
}

// Open returns the store in home (HERMES_HOME). Nothing is created until
// the first Update.
func Open(home string) *Store { return &Store{home: home} }

// OpenWriting is Open with writes through w (nil: fsutil's defaults); a
// test's w simulates a crash or a failed rename.
func OpenWriting(home string, w *fsutil.Writer) *Store { return &Store{home: home, writer: w} }

// Home is the HERMES_HOME the store lives in.
func (s *Store) Home() string { return s.home }

// Path is HERMES_HOME/auth.json.
func (s *Store) Path() string { return filepath.Join(s.home, FileName) }

func (s *Store) lockPath() string { return s.Path() + ".lock" }

// CorruptError means auth.json exists but cannot be used. hermes never
// writes over such a file: the user's credentials may still be in it.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s is not a valid hermes credential file (%v): fix or move it away; hermes will not overwrite it", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// NewerVersionError means auth.json was written by a newer hermes whose
// format this build cannot safely rewrite.
type NewerVersionError struct {
	Path    string
	Version int
}

func (e *NewerVersionError) Error() string {
	return fmt.Sprintf("%s has format version %d, newer than this hermes understands (%d): upgrade hermes to change it", e.Path, e.Version, FileVersion)
}

// newFile is what a missing auth.json reads as.
func newFile() *File {
	return &File{
		Version:        FileVersion,
		Providers:      map[string]*Provider{},
		CredentialPool: map[string][]Entry{},
	}
}

// Load reads auth.json. A missing file is an empty store; a file that is
// not valid JSON of the right shape is a *CorruptError; an unreadable one
// is an error naming the path. Like ssh's StrictModes, a HERMES_HOME or
// auth.json another user owns or can write, and an auth.json that is a
// symlink, are refused (fsutil.ReadPrivateFileUnder) and left alone.
func (s *Store) Load() (*File, error) {
	data, err := fsutil.ReadPrivateFileUnder(s.home, s.Path(), maxFileBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return newFile(), nil
	}
	if fsutil.IsNotPrivate(err) {
		return nil, err
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("read %s: %w", s.Path(), pe.Err)
		}
		return nil, &CorruptError{Path: s.Path(), Err: err}
	}
	f := newFile()
	f.Version = 0
	if err := json.Unmarshal(data, f); err != nil {
		return nil, &CorruptError{Path: s.Path(), Err: describeJSONError(data, err)}
	}
	if f.Version < 1 {
		return nil, &CorruptError{Path: s.Path(), Err: errors.New(`missing or invalid "version"`)}
	}
	if f.Providers == nil {
		f.Providers = map[string]*Provider{}
	}
	if f.CredentialPool == nil {
		f.CredentialPool = map[string][]Entry{}
	}
	return f, nil
}

// describeJSONError turns a decoding error into one that says where the
// problem is, without quoting the file (it holds secrets).
func describeJSONError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + countNewlines(data[:min(int(se.Offset), len(data))])
		return fmt.Errorf("invalid JSON at line %d: %v", line, se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %q has the wrong type (%s, want %s)", te.Field, te.Value, te.Type)
	}
	return err
}

func countNewlines(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

// Update is the only way auth.json changes: under the cross-process lock
// it loads the file, calls fn, and writes the result atomically with mode
// 0600. When fn fails, or the file is corrupt, nothing is written.
func (s *Store) Update(ctx context.Context, fn func(*File) error) error {
	return s.update(ctx, fn, false)
}

// UpdateSpending is Update for an fn that does something it cannot undo
// (spends a single-use refresh token): the space for the write is
// reserved before fn runs, so a full disk fails before the token is
// spent, not after. If the new file still cannot be put in place, it is
// kept in auth.json.recovered (a *fsutil.RecoveredError says so), and the
// next Update adopts it.
func (s *Store) UpdateSpending(ctx context.Context, fn func(*File) error) error {
	return s.update(ctx, fn, true)
}

// AddInPlace adds a pool entry for an OAuth login that lives in another
// file (Claude Code's, an SDK profile's), or finds the one that already
// points at e.File: one login is registered once.
func (s *Store) AddInPlace(ctx context.Context, e Entry) (Entry, error) {
	e.AuthType = AuthTypeOAuth
	err := s.Update(ctx, func(f *File) error {
		for _, p := range f.CredentialPool[ProviderAnthropic] {
			if p.File == e.File {
				e = p
				return errUnchanged
			}
		}
		var aerr error
		e, aerr = f.AddEntry(e)
		return aerr
	})
	if errors.Is(err, errUnchanged) {
		err = nil
	}
	return e, err
}

// errUnchanged aborts an Update that has nothing to write.
var errUnchanged = errors.New("unchanged")

// reserveSlack is what a spending update may add to auth.json beyond its
// current size: a rotated pair is the size of the old one, give or take.
const reserveSlack = 16 << 10

func (s *Store) update(ctx context.Context, fn func(*File) error, spending bool) error {
	// No lock file in a directory others could swap files in.
	if err := fsutil.CheckPrivateDir(s.home); err != nil {
		return err
	}
	lock, err := fsutil.LockFile(ctx, s.lockPath())
	if err != nil {
		return err
	}
	defer lock.Unlock()

	s.adoptRecovered()
	f, err := s.Load()
	if err != nil {
		return err
	}
	if f.Version > FileVersion {
		return &NewerVersionError{Path: s.Path(), Version: f.Version}
	}
	var res *fsutil.Reserved
	if spending {
		size := reserveSlack
		if st, err := os.Lstat(s.Path()); err == nil {
			size += int(st.Size())
		}
		if res, err = s.writer.ReservePrivateFile(s.home, s.Path(), size); err != nil {
			return err
		}
		defer res.Abort()
	}
	if err := fn(f); err != nil {
		return err
	}
	f.Version = FileVersion
	f.prune()
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", s.Path(), err)
	}
	data = append(data, '\n')
	if res != nil {
		return res.Commit(data)
	}
	return s.writer.WritePrivateFile(s.home, s.Path(), data)
}

// adoptRecovered puts auth.json.recovered in place of auth.json when it
// was kept there by a spending update that could not replace auth.json
// and nothing has written auth.json since (it is newer): it holds a
// rotated refresh token, and the one in auth.json is spent. Called with
// the lock held. A recovery file that is not valid, or older than
// auth.json, is left for the user.
func (s *Store) adoptRecovered() {
	rec := fsutil.RecoveryPath(s.Path())
	rst, err := os.Lstat(rec)
	if err != nil || !rst.Mode().IsRegular() {
		return
	}
	if st, err := os.Lstat(s.Path()); err == nil && st.ModTime().After(rst.ModTime()) {
		return
	}
	data, err := fsutil.ReadPrivateFileUnder(s.home, rec, maxFileBytes)
	if err != nil || !json.Valid(data) {
		return
	}
	if os.Rename(rec, s.Path()) == nil {
		fsutil.SyncDir(s.home)
	}
}

// prune drops empty provider and pool records so that logout leaves a
// clean file behind.
func (f *File) prune() {
	for name, p := range f.Providers {
		if p == nil || (p.WIF == nil && len(p.Extra) == 0) {
			delete(f.Providers, name)
		}
	}
	for name, pool := range f.CredentialPool {
		if len(pool) == 0 {
			delete(f.CredentialPool, name)
		}
	}
}

// ReadableWarning is one line (no newline) saying that auth.json can be
// read by other users, with the chmod that fixes it; "" when it cannot or
// does not exist. hermes does not silently chmod what it did not write
// (a file copied in or restored from a backup): it says so wherever the
// store is shown.
func (s *Store) ReadableWarning() string {
	st, err := os.Lstat(s.Path())
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("hermes: warning: %s has mode %#o, so other users may read its credentials; run: chmod 600 %s", s.Path(), st.Mode().Perm(), s.Path())
}
