package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/agent"
)

func TestAllowNobodyByDefault(t *testing.T) {
	a, err := NewAllow(nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Allows("telegram:1", "telegram:1", "slack:T1/U1") {
		t.Fatal("an empty allow-list allowed someone")
	}
	a, err = NewAllow([]string{"telegram:42", "telegram:-100", "slack:T01/U02", "slack:T01/C03"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sender, chat string
		want         bool
	}{
		{"telegram:42", "telegram:42", true},
		{"telegram:7", "telegram:-100", true}, // an allowed group
		{"telegram:7", "telegram:7", false},
		{"slack:T01/U02", "slack:T01/C09", true},
		{"slack:T01/U09", "slack:T01/C03", true},
		{"slack:T02/U02", "slack:T02/C03", false}, // same ids, other workspace
	} {
		if got := a.Allows(c.sender, c.chat); got != c.want {
			t.Errorf("Allows(%s, %s) = %t, want %t", c.sender, c.chat, got, c.want)
		}
	}
}

func TestParseAllowEntryRefusesJunk(t *testing.T) {
	for _, bad := range []string{"42", "telegram:", "telegram:abc", "slack:U02", "slack:T01/", "slack:t01/u02", "discord:1", "telegram:4 2"} {
		if _, err := ParseAllowEntry(bad); err == nil {
			t.Errorf("ParseAllowEntry(%q) accepted it", bad)
		}
	}
}

// fakeReply records posts and edits.
type fakeReply struct {
	posts   []string
	texts   map[string]string
	updates int
	fail    error
}

func (f *fakeReply) Post(_ context.Context, text string) (string, error) {
	if f.fail != nil {
		return "", f.fail
	}
	if f.texts == nil {
		f.texts = map[string]string{}
	}
	ref := fmt.Sprint(len(f.posts))
	f.posts = append(f.posts, text)
	f.texts[ref] = text
	return ref, nil
}

func (f *fakeReply) Update(_ context.Context, ref, text string) error {
	f.updates++
	f.texts[ref] = text
	return nil
}

func (f *fakeReply) all() []string {
	var out []string
	for i := range f.posts {
		out = append(out, f.texts[fmt.Sprint(i)])
	}
	return out
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestStreamerThrottlesEdits(t *testing.T) {
	now := time.Unix(0, 0)
	r := &fakeReply{}
	s := &streamer{p: TelegramPlatform, r: r, now: func() time.Time { return now }, log: discard()}
	ctx := context.Background()
	s.event(ctx, agent.Event{Type: "text", Text: "Hello"})
	s.event(ctx, agent.Event{Type: "text", Text: ", wor"}) // within a second: no edit
	if len(r.posts) != 1 || r.updates != 0 || r.texts["0"] != "Hello" {
		t.Fatalf("after two deltas in one second: posts %q, %d updates", r.posts, r.updates)
	}
	now = now.Add(time.Second)
	s.event(ctx, agent.Event{Type: "text", Text: "ld"})
	if r.updates != 1 || r.texts["0"] != "Hello, world" {
		t.Fatalf("after a second: %d updates, text %q", r.updates, r.texts["0"])
	}
	s.event(ctx, agent.Event{Type: "text", Text: "!"})
	if err := s.flush(ctx, true); err != nil {
		t.Fatal(err)
	}
	if r.texts["0"] != "Hello, world!" || len(r.posts) != 1 {
		t.Fatalf("final: %q", r.all())
	}
}

func TestStreamerSplitsAtTheLimit(t *testing.T) {
	r := &fakeReply{}
	p := TelegramPlatform
	p.Limit = 100
	s := &streamer{p: p, r: r, now: time.Now, log: discard()}
	var want strings.Builder
	for i := range 30 {
		fmt.Fprintf(&want, "line %02d <&>\n", i)
	}
	s.md.WriteString(want.String())
	if err := s.flush(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if len(r.posts) < 3 {
		t.Fatalf("%d messages for %d bytes at a limit of 100", len(r.posts), want.Len())
	}
	var got []string
	for _, m := range r.all() {
		if textLen(m) > p.Limit {
			t.Errorf("a message of %d > %d: %q", textLen(m), p.Limit, m)
		}
		got = append(got, plainText(m))
	}
	if strings.Join(got, "\n") != strings.TrimSpace(want.String()) {
		t.Errorf("the pieces do not make up the answer:\n%s", strings.Join(got, "\n"))
	}
}

func TestSplitKeepsCodeBlocksClosed(t *testing.T) {
	md := "Here:\n```\n" + strings.Repeat("x := 1\n", 40) + "```\ndone"
	pieces := split(md, dialectSlack, 120)
	if len(pieces) < 2 {
		t.Fatalf("not split: %q", pieces)
	}
	for _, p := range pieces {
		if strings.Count(p, "```")%2 != 0 {
			t.Errorf("a piece leaves a code block open: %q", p)
		}
		if textLen(convert(p, dialectSlack)) > 120 {
			t.Errorf("a piece is over the limit: %q", p)
		}
	}
	long := strings.Repeat("é", 500)
	for _, p := range split(long, dialectTelegramHTML, 100) {
		if textLen(convert(p, dialectTelegramHTML)) > 100 {
			t.Errorf("a cut line is over the limit: %d", textLen(p))
		}
	}
}

func TestConvert(t *testing.T) {
	md := "# Title\nSome **bold** and `a<b>` with [docs](https://example.com/x?a=1&b=2).\n- item\n```go\nif a < b {}\n```"
	for _, c := range []struct {
		d    dialect
		want string
	}{
		{dialectTelegramHTML, "<b>Title</b>\nSome <b>bold</b> and <code>a&lt;b&gt;</code> with <a href=\"https://example.com/x?a=1&amp;b=2\">docs</a>.\n• item\n<pre>if a &lt; b {}\n</pre>"},
		{dialectSlack, "*Title*\nSome *bold* and `a&lt;b&gt;` with <https://example.com/x?a=1&amp;b=2|docs>.\n• item\n```\nif a &lt; b {}\n```"},
	} {
		if got := convert(md, c.d); got != c.want {
			t.Errorf("dialect %d:\n got %q\nwant %q", c.d, got, c.want)
		}
	}
	// A javascript: link stays text.
	if got := convert("[x](javascript:alert(1))", dialectTelegramHTML); strings.Contains(got, "href") {
		t.Errorf("a javascript: link became a link: %q", got)
	}
}

func TestStreamerShowsToolCallsOneLineEach(t *testing.T) {
	r := &fakeReply{}
	s := &streamer{p: SlackPlatform, r: r, now: time.Now, log: discard()}
	ctx := context.Background()
	s.event(ctx, agent.Event{Type: "text", Text: "Let me look."})
	s.event(ctx, agent.Event{Type: "tool_use", ToolID: "t1", Tool: "bash", Input: []byte(`{"command":"rm -rf build\nls"}`)})
	s.event(ctx, agent.Event{Type: "tool_result", ToolID: "t1", Tool: "bash", Denied: true, Output: "denied: no rule allows bash(rm -rf build); allow it with --allowed-tools 'bash(rm:*)'"})
	s.event(ctx, agent.Event{Type: "text", Text: "I may not."})
	if err := s.flush(ctx, true); err != nil {
		t.Fatal(err)
	}
	got := r.all()[0]
	lines := strings.Split(got, "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "✗ bash ") || !strings.Contains(lines[1], "--allowed-tools 'bash(rm:*)'") {
		t.Fatalf("the tool call is not one line naming the rule:\n%s", got)
	}
}

// A refused sender's message goes nowhere near the model: the bot has
// no agent here, and would panic reaching for it.
func TestHandleRefusesUnknownSenders(t *testing.T) {
	allow, _ := NewAllow([]string{"telegram:42"})
	b := &Bot{Allow: allow, Log: discard(), Now: time.Now}
	r := &fakeReply{}
	m := Message{Sender: "telegram:77", Chat: "telegram:77", Thread: "telegram:77", Text: "hello"}
	if err := b.Handle(context.Background(), TelegramPlatform, m, r); err != nil {
		t.Fatal(err)
	}
	if len(r.posts) != 1 || !strings.Contains(r.posts[0], "--allow telegram:77") {
		t.Fatalf("refusal: %q", r.posts)
	}
}

func TestRetryWaitsRetryAfter(t *testing.T) {
	calls := 0
	err := retry(context.Background(), 3, func() error {
		calls++
		if calls == 1 {
			return &PlatformError{Status: 429, RetryAfter: 10 * time.Millisecond}
		}
		return nil
	})
	if err != nil || calls != 2 {
		t.Fatalf("calls %d, err %v", calls, err)
	}
	calls = 0
	err = retry(context.Background(), 3, func() error {
		calls++
		return &PlatformError{Status: 400}
	})
	if err == nil || calls != 1 {
		t.Fatalf("a 400 was retried: calls %d", calls)
	}
	var pe *PlatformError
	if !errors.As(err, &pe) {
		t.Fatal(err)
	}
}
