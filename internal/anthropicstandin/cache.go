package anthropicstandin

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// The stand-in's prompt cache and context window, modelled on the API's
// documented behaviour so tests and bench/run measure real ratios:
//
//   - A prompt is a sequence of segments in the API's cache order: each
//     tool definition, each system block, then each content block of each
//     message. A segment costs EstimateTokens of its JSON (cache_control
//     left out): about four bytes per token, rounded up. The prompt's
//     input is the sum over its segments.
//   - A segment carrying cache_control is a breakpoint. The cache is
//     looked up at the segment boundaries up to CacheLookback segments
//     before each breakpoint; the longest prefix written in the last
//     CacheTTL (by the server's clock, and for the same model) is read, and
//     reading it refreshes it.
//   - The prefix up to the last breakpoint beyond what was read is
//     written (cache_creation_input_tokens), and an entry is kept at every
//     breakpoint, provided the prefix is at least MinCacheTokens long (the
//     API does not cache shorter prefixes). What follows the last
//     breakpoint is plain input.
//   - With Config.ContextWindow set, a prompt over it is refused with the
//     API's 400 "prompt is too long: N tokens > M maximum".

// Cache model constants.
const (
	// CacheTTL is how long a written prefix stays readable (the API's
	// default "ephemeral" lifetime); each read extends it.
	CacheTTL = 5 * time.Minute
	// CacheLookback is how many segments before a breakpoint the API
	// checks for an earlier cache entry.
	CacheLookback = 20
	// DefaultMinCacheTokens is the shortest prefix written when
	// Config.MinCacheTokens is 0 (the API's minimum for Sonnet models).
	DefaultMinCacheTokens = 1024
)

// EstimateTokens is the stand-in's tokenizer: one token per four bytes,
// rounded up, at least one for a non-empty text.
func EstimateTokens(b []byte) int { return (len(b) + 3) / 4 }

// CacheStats sums the usage the stand-in reported over all messages
// requests so far.
type CacheStats struct {
	Requests      int
	InputTokens   int // plain input, neither read nor written
	CacheCreation int
	CacheRead     int
}

// Total is every input token: plain, written and read.
func (c CacheStats) Total() int { return c.InputTokens + c.CacheCreation + c.CacheRead }

// CacheStats returns the summed usage of every messages request answered.
func (s *Server) CacheStats() CacheStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cacheStats
}

// Usages returns the usage of each answered messages request, in order.
func (s *Server) Usages() []Usage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Usage(nil), s.usages...)
}

// SetContextWindow changes the context window on a running server; 0
// means no limit.
func (s *Server) SetContextWindow(tokens int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.ContextWindow = tokens
}

// segment is one cacheable unit of a prompt.
type segment struct {
	key        [32]byte // SHA-256 of the canonical JSON (role included)
	tokens     int
	breakpoint bool
}

// segments splits a request body into its cache segments, in order.
func segments(body []byte) []segment {
	var raw struct {
		Tools    []json.RawMessage `json:"tools"`
		System   json.RawMessage   `json:"system"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if json.Unmarshal(body, &raw) != nil {
		return nil
	}
	var out []segment
	// add takes one item; prefix (a message's role) is part of its
	// identity, so a user and an assistant block of equal text differ.
	add := func(prefix string, item json.RawMessage) {
		canon, bp := []byte(item), false
		var m map[string]json.RawMessage
		if json.Unmarshal(item, &m) == nil {
			_, bp = m["cache_control"]
			delete(m, "cache_control")
			canon, _ = json.Marshal(m)
		}
		out = append(out, segment{key: sha256.Sum256(append([]byte(prefix+"\x00"), canon...)), tokens: EstimateTokens(canon), breakpoint: bp})
	}
	for _, t := range raw.Tools {
		add("tool", t)
	}
	each := func(prefix string, v json.RawMessage) {
		if v = bytes.TrimSpace(v); len(v) > 0 && v[0] == '"' {
			add(prefix, v)
			return
		}
		var blocks []json.RawMessage
		if json.Unmarshal(v, &blocks) == nil {
			for _, b := range blocks {
				add(prefix, b)
			}
		}
	}
	each("system", raw.System)
	for _, m := range raw.Messages {
		each(m.Role, m.Content)
	}
	return out
}

// promptTokens is a prompt's whole input, by the estimate.
func promptTokens(segs []segment) int {
	n := 0
	for _, s := range segs {
		n += s.tokens
	}
	return max(1, n)
}

// cacheUsage applies the cache model to one request of model: it returns
// the request's input usage and updates the cache.
func (s *Server) cacheUsage(model string, segs []segment) Usage {
	total := promptTokens(segs)
	last := -1
	for i, sg := range segs {
		if sg.breakpoint {
			last = i
		}
	}
	if last < 0 {
		return Usage{InputTokens: total}
	}
	// The prefix's hash and size at each segment's end.
	hashes := make([][32]byte, len(segs))
	upto := make([]int, len(segs))
	h := sha256.Sum256([]byte(model))
	n := 0
	for i, sg := range segs {
		h = sha256.Sum256(append(h[:], sg.key[:]...))
		hashes[i] = h
		n += sg.tokens
		upto[i] = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	if s.cache == nil {
		s.cache = map[[32]byte]time.Time{}
	}
	// The longest unexpired entry within the lookback of a breakpoint.
	read := -1
	for i := last; i >= 0; i-- {
		if !inLookback(segs, i) {
			continue
		}
		if exp, ok := s.cache[hashes[i]]; ok && now.Before(exp) {
			read = i
			s.cache[hashes[i]] = now.Add(CacheTTL)
			break
		}
	}
	var u Usage
	if read >= 0 {
		u.CacheReadInputTokens = upto[read]
	}
	minTokens := s.cfg.MinCacheTokens
	if minTokens == 0 {
		minTokens = DefaultMinCacheTokens
	}
	written := u.CacheReadInputTokens
	for i := read + 1; i <= last; i++ {
		if segs[i].breakpoint && upto[i] >= minTokens {
			s.cache[hashes[i]] = now.Add(CacheTTL)
			written = upto[i]
		}
	}
	u.CacheCreationInputTokens = written - u.CacheReadInputTokens
	u.InputTokens = total - written
	return u
}

// inLookback reports whether boundary i is at most CacheLookback segments
// before (or at) a breakpoint.
func inLookback(segs []segment, i int) bool {
	for j := i; j < len(segs) && j <= i+CacheLookback; j++ {
		if segs[j].breakpoint {
			return true
		}
	}
	return false
}

// checkWindow refuses a prompt over the context window as the API does.
func (s *Server) checkWindow(w http.ResponseWriter, tokens int) bool {
	s.mu.Lock()
	window := s.cfg.ContextWindow
	s.mu.Unlock()
	if window > 0 && tokens > window {
		writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("prompt is too long: %d tokens > %d maximum", tokens, window))
		return false
	}
	return true
}
