package agent

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hermes-agent/hermes/internal/models"
)

// Context management: before a request would pass CompactAt percent of
// the model's context window, the older turns are replaced by a summary
// the model writes (CompactPrompt); the most recent turns stay as they
// are, and a turn is never split, so every tool_use keeps its
// tool_result. If the API still answers "prompt is too long", hermes
// compacts harder (only the current turn kept) and retries once.

// DefaultCompactAt is Config.CompactAt's default, in percent of the window.
const DefaultCompactAt = 85

// CompactPrompt is what the model is asked when older turns are compacted
// (documented in the README). Focus, when given, is appended.
const CompactPrompt = `Summarise the conversation so far for yourself, to continue the work without it. Keep: the user's goals and constraints, decisions made and why, files read or changed (paths) and what matters in them, commands run and their outcome, errors met, and what is left to do. Be specific (names, paths, numbers); leave out pleasantries and anything already done and no longer relevant. Write the summary only.`

// compactedHeader starts the user message that replaces the old turns.
const compactedHeader = "[hermes: the earlier part of this conversation was compacted to save context; this is the model's own summary of it]\n\n"

// compactedAck is the assistant turn after the summary, so the roles keep
// alternating and the kept turns follow as they were.
const compactedAck = "Understood; I will continue from this summary."

// ErrContextFull is wrapped when a request stays over the context window
// even after compacting.
var ErrContextFull = errors.New("the conversation does not fit the model's context window")

// windows remembers context windows the API named in "prompt is too
// long" errors, by model; the agent and its sub-agents share it.
type windows struct {
	mu sync.Mutex
	m  map[string]int64
}

func (w *windows) get(model string, configured int64) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n, ok := w.m[model]; ok {
		return n
	}
	if configured > 0 {
		return configured
	}
	return models.ContextWindow(model)
}

func (w *windows) learn(model string, n int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = map[string]int64{}
	}
	w.m[model] = n
}

var tooLong = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`prompt is too long: (\d+) tokens > (\d+) maximum`)
})

// promptTooLong reports whether err is the API refusing a prompt over the
// context window, and the window it named (0 when it did not).
func promptTooLong(err error) (window int64, ok bool) {
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || !strings.Contains(ae.Message, "prompt is too long") {
		return 0, false
	}
	if m := tooLong().FindStringSubmatch(ae.Message); m != nil {
		window, _ = strconv.ParseInt(m[2], 10, 64)
	}
	return window, true
}

// estimateTokens is the size of a request before it is sent: about four
// bytes per token of its system prompt, tools and messages (the same
// estimate the stand-in uses; real tokenizers give a little more for code,
// which CompactAt's margin absorbs).
func (a *Agent) estimateTokens(system []string, msgs []Message) int64 {
	n := 0
	for _, b := range system {
		n += len(b)
	}
	if ts := a.knownTools(); len(ts) > 0 {
		b, _ := json.Marshal(toolDefs(ts))
		n += len(b)
	}
	b, _ := json.Marshal(msgs)
	n += len(b)
	return int64(n+3) / 4
}

// turnStarts are the indexes of messages that begin a turn: a user
// message with text (not a message of tool results).
func turnStarts(msgs []Message) []int {
	var out []int
	for i, m := range msgs {
		if m.Role == "user" && slices.ContainsFunc(m.Content, func(b Block) bool { return b.Type == "text" }) &&
			!slices.ContainsFunc(m.Content, func(b Block) bool { return b.Type == "tool_result" }) {
			out = append(out, i)
		}
	}
	return out
}

// compactCut picks where the kept turns begin: the earliest turn start
// after the first message whose turns, from there on, fit keep tokens;
// at least the last turn (from minCut) is kept. 0 means nothing can be
// compacted.
func (a *Agent) compactCut(msgs []Message, keep int64, minCut int) int {
	cut := 0
	for _, i := range turnStarts(msgs) {
		if i == 0 {
			continue
		}
		if i >= minCut || a.estimateTokens(nil, msgs[i:]) <= keep {
			return i
		}
		cut = i
	}
	return cut
}

// compact replaces conv.Messages[:cut] by a summary the model writes,
// keeping the rest. It returns the summary call's usage.
func (a *Agent) compact(ctx context.Context, model string, system []string, conv *Conversation, cut int, focus string, emit func(Event)) (Usage, error) {
	old := conv.Messages[:cut]
	prompt := CompactPrompt
	if focus = strings.TrimSpace(focus); focus != "" {
		prompt += "\n\nFocus the summary on: " + focus
	}
	// The old turns plus the question: the same system prompt and tools
	// as the conversation, so the request reads its prefix from the cache.
	req := &Conversation{Messages: append(slices.Clip(old), Message{Role: "user", Content: []Block{{Type: "text", Text: prompt}}})}
	// A summary request over the window itself: summarise what fits,
	// dropping the oldest turns.
	window := a.windows.get(model, a.cfg.ContextWindow)
	for a.estimateTokens(system, req.Messages) > window*9/10 {
		starts := turnStarts(req.Messages)
		if len(starts) < 3 { // the first turn and the question: nothing more to drop
			break
		}
		req.Messages = req.Messages[starts[1]:]
	}
	msg, err := a.turnWith(ctx, model, system, req, true, func(Event) {})
	if err != nil {
		return Usage{}, fmt.Errorf("compacting the conversation: %w", err)
	}
	usage := requestUsage(model, msg.Usage)
	summary := strings.TrimSpace(messageText(fromAPI(msg)))
	if summary == "" {
		return usage, errors.New("compacting the conversation: the model wrote an empty summary")
	}
	kept := conv.Messages[cut:]
	conv.Archived = append(conv.Archived, slices.Clone(old))
	conv.Compactions = append(conv.Compactions, Compaction{At: time.Now().UTC(), Replaced: cut, Focus: focus})
	conv.Messages = append([]Message{
		{Role: "user", Content: []Block{{Type: "text", Text: compactedHeader + summary}}},
		{Role: "assistant", Content: []Block{{Type: "text", Text: compactedAck}}},
	}, kept...)
	emit(Event{Type: "compact", Text: fmt.Sprintf("compacted %d earlier messages into a summary", cut), Depth: a.depth})
	return usage, nil
}

// Compact summarises conv's turns before the last one (/compact [focus]);
// with a single turn, that turn is summarised too.
func (a *Agent) Compact(ctx context.Context, conv *Conversation, focus string, onEvent func(Event)) (*Result, error) {
	if onEvent == nil {
		onEvent = func(Event) {}
	}
	model := cmp.Or(conv.Model, a.cfg.Model)
	system := SystemBlocks(a.cfg.System, conv.System)
	starts := turnStarts(conv.Messages)
	if len(starts) == 0 {
		return nil, errors.New("nothing to compact yet: the session has no turns")
	}
	cut := starts[len(starts)-1]
	if cut == 0 {
		cut = len(conv.Messages)
	}
	if len(conv.Compactions) > 0 && cut <= 2 {
		return nil, errors.New("nothing to compact: only the summary and the last turn are left")
	}
	orig := slices.Clone(conv.Messages)
	u, err := a.compact(ctx, model, system, conv, cut, focus, onEvent)
	if err != nil {
		conv.Messages = orig
		return nil, err
	}
	return &Result{Model: model, Usage: u, Turns: 1}, nil
}

// fitContext compacts conv before a request that would pass CompactAt
// percent of the window. start is the index of the current turn's first
// message (never cut into). harder keeps only the current turn.
func (a *Agent) fitContext(ctx context.Context, model string, system []string, conv *Conversation, start int, harder bool, emit func(Event)) (Usage, bool, error) {
	window := a.windows.get(model, a.cfg.ContextWindow)
	limit := window * int64(a.cfg.CompactAt) / 100
	if !harder && a.estimateTokens(system, conv.Messages) <= limit {
		return Usage{}, false, nil
	}
	keep := limit / 3
	if harder {
		keep = 0
	}
	cut := a.compactCut(conv.Messages, keep, start)
	if cut <= 2 && len(conv.Compactions) > 0 || cut == 0 {
		return Usage{}, false, nil
	}
	u, err := a.compact(ctx, model, system, conv, cut, "", emit)
	return u, err == nil, err
}

// contextFullError is the error after compacting could not make a request
// fit.
func contextFullError(err error) error {
	return fmt.Errorf("%w even after compacting it (%v): run /compact with a focus, or /new to start a new session", ErrContextFull, err)
}

// MaxToolResultChars bounds a tool result entering the history: a bigger
// one keeps its head and tail and says how to read the rest, so one large
// file or command output cannot fill the context window.
const MaxToolResultChars = 30_000

// cutResult applies MaxToolResultChars to a tool's result.
func cutResult(s, tool string) string {
	if len(s) <= MaxToolResultChars {
		return s
	}
	head, tail := MaxToolResultChars*2/3, MaxToolResultChars/3
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	t := len(s) - tail
	for t < len(s) && !utf8.RuneStart(s[t]) {
		t++
	}
	how := "read_file with offset and limit, or grep, to see the part you need"
	if tool == ToolBash {
		how = "rerun the command with its output narrowed (head, tail, grep) or sent to a file you then read with read_file offset/limit"
	}
	lines := strings.Count(s[head:t], "\n")
	return fmt.Sprintf("%s\n[hermes: %d characters (about %d lines) cut from the middle of this result to save context; use %s]\n%s", s[:head], t-head, lines, how, s[t:])
}
