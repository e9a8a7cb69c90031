package authstore

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// WIF returns the Anthropic WIF configuration, or nil.
func (f *File) WIF() *WIF {
	if p := f.Providers[ProviderAnthropic]; p != nil {
		return p.WIF
	}
	return nil
}

// SetWIF stores w as the Anthropic WIF configuration and returns the one
// it replaces, or nil.
func (f *File) SetWIF(w *WIF) (previous *WIF) {
	if f.Providers == nil {
		f.Providers = map[string]*Provider{}
	}
	p := f.Providers[ProviderAnthropic]
	if p == nil {
		p = &Provider{}
		f.Providers[ProviderAnthropic] = p
	}
	previous, p.WIF = p.WIF, w
	return previous
}

// Pool returns the Anthropic pool entries in the order the resolver tries
// them: by Priority (lower first), then by AddedAt (newest first: adding a
// credential makes it the one used, as `gh auth login` does). The slice is
// a copy.
func (f *File) Pool() []Entry {
	pool := slices.Clone(f.CredentialPool[ProviderAnthropic])
	slices.SortStableFunc(pool, func(a, b Entry) int {
		if a.Priority != b.Priority {
			return a.Priority - b.Priority
		}
		return b.AddedAt.Compare(a.AddedAt)
	})
	return pool
}

// LabelInUse returns the credential already labelled label, if any: labels
// are targets for remove, switch and --credential, so they must be unique.
func (f *File) LabelInUse(label string) (Target, bool) {
	if label == "" {
		return Target{}, false
	}
	for _, t := range f.Targets() {
		if t.Label == label {
			return t, true
		}
	}
	return Target{}, false
}

// Switch makes the pool entry t the one the pool tries first: a priority
// below every other entry's. The WIF configuration, when there is one, is
// still used before any pool entry.
func (f *File) Switch(t Target) {
	pool := f.CredentialPool[ProviderAnthropic]
	lowest := 0
	for _, e := range pool {
		if e.ID != t.ID {
			lowest = min(lowest, e.Priority)
		}
	}
	for i := range pool {
		if pool[i].ID == t.ID {
			pool[i].Priority = lowest - 1
		}
	}
}

// AddEntry appends e to the Anthropic pool, giving it a fresh ID if it
// has none, and returns the stored entry.
func (f *File) AddEntry(e Entry) (Entry, error) {
	if e.ID == "" {
		id, err := f.newEntryID()
		if err != nil {
			return Entry{}, err
		}
		e.ID = id
	}
	if f.CredentialPool == nil {
		f.CredentialPool = map[string][]Entry{}
	}
	f.CredentialPool[ProviderAnthropic] = append(f.CredentialPool[ProviderAnthropic], e)
	return e, nil
}

// newEntryID returns "cred_" and 8 random hex digits, unused in f.
func (f *File) newEntryID() (string, error) {
	for range 10 {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("generate credential id: %w", err)
		}
		id := "cred_" + hex.EncodeToString(b[:])
		if !slices.ContainsFunc(f.CredentialPool[ProviderAnthropic], func(e Entry) bool { return e.ID == id }) {
			return id, nil
		}
	}
	return "", errors.New("generate credential id: no unused id found")
}

// Target is one row of `hermes auth list`: the WIF configuration or a pool
// entry, with its 1-based number.
type Target struct {
	Number int
	// ID is the entry's id, or WIFTarget for the WIF configuration.
	ID    string
	Label string
	// Exactly one of WIF and Entry is set.
	WIF   *WIF
	Entry *Entry
	// Active marks the credential hermes would use among the stored ones:
	// the WIF configuration when there is one, else the first pool entry.
	Active bool
}

// IsWIF reports whether t is the WIF configuration.
func (t Target) IsWIF() bool { return t.WIF != nil }

// Describe names the target for messages: number, id and label; never a secret.
func (t Target) Describe() string {
	s := fmt.Sprintf("%d (%s", t.Number, t.ID)
	if t.Label != "" {
		s += fmt.Sprintf(", label %q", t.Label)
	}
	return s + ")"
}

// Targets lists the stored Anthropic credentials in resolution order, the
// order `hermes auth list` numbers them: the WIF configuration first (it
// wins over the pool), then the pool entries as Pool orders them.
func (f *File) Targets() []Target {
	var ts []Target
	if w := f.WIF(); w != nil {
		ts = append(ts, Target{ID: WIFTarget, Label: w.Label, WIF: w})
	}
	for _, e := range f.Pool() {
		ts = append(ts, Target{ID: e.ID, Label: e.Label, Entry: &e})
	}
	for i := range ts {
		ts[i].Number = i + 1
	}
	if len(ts) > 0 {
		ts[0].Active = true
	}
	return ts
}

// ErrNoSuchTarget is wrapped by Find's error when nothing matches.
var ErrNoSuchTarget = errors.New("no such credential")

// AmbiguousError is Find's error when a label names several credentials.
type AmbiguousError struct {
	Target  string
	Matches []Target
}

func (e *AmbiguousError) Error() string {
	var rows []string
	for _, t := range e.Matches {
		rows = append(rows, t.Describe())
	}
	return fmt.Sprintf("label %q matches %d credentials: %s; use the number or id instead", e.Target, len(e.Matches), strings.Join(rows, ", "))
}

// Find resolves a TARGET as `hermes auth remove` and `--credential` take
// it, trying in order:
//
//  1. "anthropic-wif": the WIF configuration;
//  2. a number: the 1-based row of `hermes auth list` (Targets order);
//  3. an entry id ("cred_…");
//  4. a label: it must name exactly one credential, else *AmbiguousError.
//
// No match is an error wrapping ErrNoSuchTarget that says what exists.
func (f *File) Find(target string) (Target, error) {
	ts := f.Targets()
	if target == "" {
		return Target{}, fmt.Errorf("%w: empty name", ErrNoSuchTarget)
	}
	if target == WIFTarget {
		if len(ts) > 0 && ts[0].IsWIF() {
			return ts[0], nil
		}
		return Target{}, fmt.Errorf("%w: no Workload Identity Federation is configured (add one with `hermes auth add anthropic --type wif`)", ErrNoSuchTarget)
	}
	if n, err := strconv.Atoi(target); err == nil {
		if n >= 1 && n <= len(ts) {
			return ts[n-1], nil
		}
		return Target{}, fmt.Errorf("%w: number %d %s", ErrNoSuchTarget, n, rangeHint(len(ts)))
	}
	for _, t := range ts {
		if t.ID == target {
			return t, nil
		}
	}
	var matches []Target
	for _, t := range ts {
		if t.Label == target {
			matches = append(matches, t)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return Target{}, fmt.Errorf("%w: %q is not a number, id or label of a stored credential %s", ErrNoSuchTarget, target, rangeHint(len(ts)))
	default:
		return Target{}, &AmbiguousError{Target: target, Matches: matches}
	}
}

func rangeHint(n int) string {
	switch n {
	case 0:
		return "(none are stored)"
	case 1:
		return "(1 is stored; see `hermes auth list`)"
	default:
		return fmt.Sprintf("(1-%d are stored; see `hermes auth list`)", n)
	}
}

// Remove deletes the credential t names (as returned by Find on this file).
func (f *File) Remove(t Target) {
	if t.IsWIF() {
		f.SetWIF(nil)
		return
	}
	pool := f.CredentialPool[ProviderAnthropic]
	f.CredentialPool[ProviderAnthropic] = slices.DeleteFunc(pool, func(e Entry) bool { return e.ID == t.ID })
}

// RemoveAll deletes every stored Anthropic credential (logout) and returns
// what was removed.
func (f *File) RemoveAll() []Target {
	ts := f.Targets()
	f.SetWIF(nil)
	delete(f.CredentialPool, ProviderAnthropic)
	return ts
}

// Describe summarises the WIF configuration on one line, without secrets
// (it holds none): "rule fdrl_…, org …, service account svac_…, token file /path".
func (w *WIF) Describe() string {
	parts := []string{"rule " + w.FederationRuleID, "org " + w.OrganizationID}
	if w.ServiceAccountID != "" {
		parts = append(parts, "service account "+w.ServiceAccountID)
	}
	if w.WorkspaceID != "" {
		parts = append(parts, "workspace "+w.WorkspaceID)
	}
	parts = append(parts, "token "+w.IdentityToken.Describe())
	if w.BaseURL != "" {
		parts = append(parts, "base URL "+w.BaseURL)
	}
	return strings.Join(parts, ", ")
}
