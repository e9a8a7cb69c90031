package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/fsutil"
)

// errUnchanged tells a store's Update that fn wrote nothing.
var errUnchanged = errors.New("unchanged")

// PoolStore is a hermes pool entry (auth.json), locked by auth.json's lock.
type PoolStore struct {
	Home string
	ID   string
	// Writer, when set, writes auth.json (tests simulate a failed rename).
	Writer *fsutil.Writer
}

func (s PoolStore) find(f *authstore.File) (*authstore.Entry, error) {
	pool := f.CredentialPool[authstore.ProviderAnthropic]
	for i := range pool {
		if pool[i].ID == s.ID {
			return &pool[i], nil
		}
	}
	return nil, fmt.Errorf("OAuth login %s is no longer in %s (removed by another hermes?)", s.ID, authstore.Open(s.Home).Path())
}

func (s PoolStore) Load() (Pair, error) {
	f, err := authstore.Open(s.Home).Load()
	if err != nil {
		return Pair{}, err
	}
	e, err := s.find(f)
	if err != nil {
		return Pair{}, err
	}
	return entryPair(e), nil
}

func entryPair(e *authstore.Entry) Pair {
	p := Pair{AccessToken: e.AccessToken, RefreshToken: e.RefreshToken, NeedsLogin: e.NeedsLogin}
	if e.ExpiresAtMs > 0 {
		p.Expiry = time.UnixMilli(e.ExpiresAtMs)
	}
	if e.ObtainedAtMs > 0 {
		p.Obtained = time.UnixMilli(e.ObtainedAtMs)
	}
	return p
}

func (s PoolStore) Update(ctx context.Context, fn func(Pair) (*Pair, error)) error {
	err := authstore.OpenWriting(s.Home, s.Writer).UpdateSpending(ctx, func(f *authstore.File) error {
		e, err := s.find(f)
		if err != nil {
			return err
		}
		next, err := fn(entryPair(e))
		if err != nil {
			return err
		}
		if next == nil {
			return errUnchanged
		}
		e.AccessToken, e.RefreshToken, e.NeedsLogin = next.AccessToken, next.RefreshToken, next.NeedsLogin
		e.ExpiresAtMs, e.ObtainedAtMs = 0, 0
		if !next.Expiry.IsZero() {
			e.ExpiresAtMs = next.Expiry.UnixMilli()
		}
		if !next.Obtained.IsZero() {
			e.ObtainedAtMs = next.Obtained.UnixMilli()
		}
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

// ClaudeCodeFile is Claude Code's credentials file, used in place: hermes
// reads it at each use and writes a rotated pair back, keeping every other
// field and the file's mode.
type ClaudeCodeFile struct {
	Path string
	// LockPath serialises hermes processes refreshing this login.
	LockPath string
}

// ClaudeCodePath is where Claude Code keeps its login: CLAUDE_CONFIG_DIR,
// else ~/.claude, then .credentials.json.
func ClaudeCodePath(getenv func(string) string) string {
	dir := getenv("CLAUDE_CONFIG_DIR")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		dir = filepath.Join(home, ".claude")
	}
	return filepath.Join(dir, ".credentials.json")
}

// ClaudeCodeLogin is what Claude Code's file says about its login.
type ClaudeCodeLogin struct {
	Pair
	Scopes           []string
	SubscriptionType string
}

type claudeOAuth struct {
	AccessToken      string   `json:"accessToken"`
	RefreshToken     string   `json:"refreshToken"`
	ExpiresAt        int64    `json:"expiresAt"` // milliseconds
	Scopes           []string `json:"scopes"`
	SubscriptionType string   `json:"subscriptionType"`
}

// ReadClaudeCode reads Claude Code's login from path.
func ReadClaudeCode(path string) (*ClaudeCodeLogin, error) {
	_, inner, _, err := readClaude(path)
	if err != nil {
		return nil, err
	}
	var o claudeOAuth
	if err := json.Unmarshal(inner, &o); err != nil {
		return nil, fmt.Errorf("%s: claudeAiOauth is malformed: %v", path, describe(err))
	}
	if o.AccessToken == "" {
		return nil, fmt.Errorf("%s holds no Claude Code OAuth login (claudeAiOauth.accessToken is empty); log in with `claude` first", path)
	}
	l := &ClaudeCodeLogin{Pair: Pair{AccessToken: o.AccessToken, RefreshToken: o.RefreshToken}, Scopes: o.Scopes, SubscriptionType: o.SubscriptionType}
	if o.ExpiresAt > 0 {
		l.Expiry = time.UnixMilli(o.ExpiresAt)
	}
	return l, nil
}

// readClaude returns the whole file, its claudeAiOauth object and its mode.
func readClaude(path string) (outer map[string]json.RawMessage, inner json.RawMessage, mode fs.FileMode, err error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		//lint:ignore ST1005 "Claude Code" is a product name
		return nil, nil, 0, fmt.Errorf("Claude Code's credentials file %s does not exist: log in with `claude` first (or set CLAUDE_CONFIG_DIR)", path)
	}
	if err != nil {
		return nil, nil, 0, err
	}
	if err := checkPrivate(path, fi); err != nil {
		return nil, nil, 0, err
	}
	data, err := fsutil.ReadFileLimited(path, 1<<20)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(data, &outer); err != nil {
		return nil, nil, 0, fmt.Errorf("%s is not valid JSON (%v); hermes leaves it alone", path, describe(err))
	}
	inner = outer["claudeAiOauth"]
	if len(inner) == 0 || string(inner) == "null" {
		return nil, nil, 0, fmt.Errorf("%s has no claudeAiOauth login; log in to Claude Code with a Claude account first", path)
	}
	return outer, inner, fi.Mode().Perm(), nil
}

// checkPrivate refuses a credentials file that is a symlink (a write could
// be redirected) or that others may write (they could plant a token).
func checkPrivate(path string, fi fs.FileInfo) error {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symlink; hermes does not follow symlinks to credential files", path)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s has mode %#o: others can write it, so hermes will not trust it; run: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	return nil
}

// describe keeps a JSON error's position and drops any quoted content.
func describe(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	}
	return "malformed"
}

func (c ClaudeCodeFile) Load() (Pair, error) {
	l, err := ReadClaudeCode(c.Path)
	if err != nil {
		return Pair{}, err
	}
	return l.Pair, nil
}

// Update never writes NeedsLogin into Claude Code's file: the file is
// Claude Code's, and a refused refresh is reported, not recorded.
func (c ClaudeCodeFile) Update(ctx context.Context, fn func(Pair) (*Pair, error)) error {
	return updateInPlace(ctx, c.LockPath, c.Path, c.Load, fn, c.write)
}

// updateInPlace is the Update of a credentials file hermes uses in place
// (Claude Code's, an SDK profile's): under lockPath's cross-process lock
// it loads the pair, reserves the space to rewrite path before fn spends
// the refresh token (a full disk fails here, with the login intact), and
// writes what fn returns. Nothing is written when fn fails, returns nil,
// or returns a pair that needs a login: the file is not hermes's to mark.
func updateInPlace(ctx context.Context, lockPath, path string, load func() (Pair, error),
	fn func(Pair) (*Pair, error), write func(*fsutil.Reserved, Pair) error) error {
	lk, err := fsutil.LockFile(ctx, lockPath)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	cur, err := load()
	if err != nil {
		return err
	}
	res, err := reserveFor(path)
	if err != nil {
		return err
	}
	defer res.Abort()
	next, err := fn(cur)
	if err != nil || next == nil || next.NeedsLogin != "" {
		return err
	}
	return write(res, *next)
}

// reserveFor reserves the space to rewrite the credentials file at path
// before its refresh token is spent (fsutil.Reserve): a full disk fails
// here, with the login intact.
func reserveFor(path string) (*fsutil.Reserved, error) {
	size := 16 << 10
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	size += int(fi.Size())
	return fsutil.Reserve(path, size, fi.Mode().Perm())
}

func (c ClaudeCodeFile) write(res *fsutil.Reserved, p Pair) error {
	outer, inner, _, err := readClaude(c.Path)
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(inner, &fields); err != nil {
		return fmt.Errorf("%s: claudeAiOauth is malformed: %v", c.Path, describe(err))
	}
	set := func(k string, v any) {
		b, _ := json.Marshal(v)
		fields[k] = b
	}
	set("accessToken", p.AccessToken)
	set("refreshToken", p.RefreshToken)
	if !p.Expiry.IsZero() {
		set("expiresAt", p.Expiry.UnixMilli())
	}
	b, _ := json.Marshal(fields)
	outer["claudeAiOauth"] = b
	data, err := json.Marshal(outer)
	if err != nil {
		return err
	}
	return res.Commit(data)
}

// ProfileStore is an SDK profile's credentials file (user_oauth), read and
// written as the SDK does (config.Credentials, config.WriteCredentials).
type ProfileStore struct {
	Path     string // credentials/NAME.json (or the profile's credentials_path)
	LockPath string
}

func (s ProfileStore) read() (*config.Credentials, error) {
	fi, err := os.Lstat(s.Path)
	if err != nil {
		return nil, fmt.Errorf("SDK profile credentials %s: %w", s.Path, errors.Unwrap(err))
	}
	if fi.Mode()&fs.ModeSymlink != 0 || (runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0) {
		return nil, fmt.Errorf("SDK profile credentials %s: a symlink or readable by others (mode %#o); the SDK refuses it too: chmod 600 %s", s.Path, fi.Mode().Perm(), s.Path)
	}
	data, err := fsutil.ReadFileLimited(s.Path, 1<<20)
	if err != nil {
		return nil, err
	}
	var c config.Credentials
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("SDK profile credentials %s: %v", s.Path, strings.TrimPrefix(describe(err), "credentials: "))
	}
	return &c, nil
}

func (s ProfileStore) Load() (Pair, error) {
	c, err := s.read()
	if err != nil {
		return Pair{}, err
	}
	p := Pair{AccessToken: c.AccessToken, RefreshToken: c.RefreshToken}
	if c.ExpiresAt != nil {
		p.Expiry = *c.ExpiresAt
	}
	return p, nil
}

func (s ProfileStore) Update(ctx context.Context, fn func(Pair) (*Pair, error)) error {
	return updateInPlace(ctx, s.LockPath, s.Path, s.Load, fn, s.write)
}

// write puts next into the credentials file, keeping its other fields.
func (s ProfileStore) write(res *fsutil.Reserved, next Pair) error {
	c, err := s.read()
	if err != nil {
		return err
	}
	c.AccessToken, c.RefreshToken, c.ExpiresAt = next.AccessToken, next.RefreshToken, nil
	if !next.Expiry.IsZero() {
		exp := next.Expiry
		c.ExpiresAt = &exp
	}
	// As config.WriteCredentials writes it, into the reserved space.
	body, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return res.Commit(body)
}
