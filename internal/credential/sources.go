package credential

import "sync"

// Sources is what one process shares between resolutions, held by the
// caller like an oauth2.TokenSource rather than hidden in a package
// variable: resolving one configuration twice (sub-agents, cron jobs,
// gateway requests, client rebuilds) yields the same TokenSource, so a
// process never exchanges twice for one configuration; and a notice
// (a shadowed credential, a loose file mode) is given once.
//
// cmdutil.Factory creates one per process and hands it to every resolver.
// A nil *Sources shares nothing: every resolution builds its own source
// and every notice is given.
type Sources struct {
	mu     sync.Mutex
	tokens map[string]TokenSource
	said   map[string]bool
}

// NewSources returns an empty set of shared sources.
func NewSources() *Sources {
	return &Sources{tokens: map[string]TokenSource{}, said: map[string]bool{}}
}

// Shared returns the source kept under key, building and keeping it on
// first use. A failed build keeps nothing.
func (s *Sources) Shared(key string, build func() (TokenSource, error)) (TokenSource, error) {
	if s == nil {
		return build()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts := s.tokens[key]; ts != nil {
		return ts, nil
	}
	ts, err := build()
	if err != nil {
		return nil, err
	}
	s.tokens[key] = ts
	return ts, nil
}

// Lookup returns the source kept under key, or nil.
func (s *Sources) Lookup(key string) TokenSource {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[key]
}

// FirstNotice reports whether notice has not been given yet, and from now
// on counts it as given.
func (s *Sources) FirstNotice(notice string) bool {
	if s == nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.said[notice] {
		return false
	}
	s.said[notice] = true
	return true
}
