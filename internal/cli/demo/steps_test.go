package demo

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeClock advances by each step's tick every time it is read twice.
type fakeClock struct {
	t    time.Time
	took []time.Duration // how long each successive step takes
	read int
}

func (c *fakeClock) now() time.Time {
	c.read++
	if c.read%2 == 0 && len(c.took) > 0 {
		c.t = c.t.Add(c.took[0])
		c.took = c.took[1:]
	}
	return c.t
}

const sentinel = "sk-ant-oat01-SENTINEL-unit-test-token-0123456789"

func newSteps(color bool, took ...time.Duration) (*steps, *bytes.Buffer) {
	var out bytes.Buffer
	c := &fakeClock{t: time.Unix(1_700_000_000, 0), took: took}
	return &steps{out: &out, color: color, now: c.now, secrets: func() []string { return []string{sentinel, ""} }}, &out
}

func TestStepsPrintEachStepAsItHappens(t *testing.T) {
	s, out := newSteps(false, 12*time.Millisecond, 1250*time.Millisecond)
	ok := func(detail ...string) stepFunc {
		return func(context.Context) ([]string, error) { return detail, nil }
	}
	if err := s.do(context.Background(), "first", ok("detail one", "token "+sentinel)); err != nil {
		t.Fatal(err)
	}
	// Printed before the next step starts.
	if got := out.String(); !strings.HasPrefix(got, "✓ first (12 ms)\n") {
		t.Fatalf("after one step: %q", got)
	}
	if err := s.do(context.Background(), "second", ok()); err != nil {
		t.Fatal(err)
	}
	s.summary(1300 * time.Millisecond)
	want := "✓ first (12 ms)\n" +
		"    detail one\n" +
		"    token sk-ant-oat01-SEN…789\n" +
		"✓ second (1.25 s)\n" +
		"\n✓ demo passed: 2 steps in 1.30 s, no network used\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestStepsStopAtTheFirstFailure(t *testing.T) {
	s, out := newSteps(false, 3*time.Millisecond)
	ran := 0
	fail := func(context.Context) ([]string, error) {
		ran++
		return []string{"not shown"}, failf("stdout line\nstderr says "+sentinel+"\n", "hermes chat exited with status 4")
	}
	err := s.do(context.Background(), "chat", fail)
	var se *stepError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want the step's error", err)
	}
	if err := s.do(context.Background(), "after", fail); err == nil || ran != 1 {
		t.Fatalf("a step after a failure ran (ran=%d, err=%v)", ran, err)
	}
	s.summary(5 * time.Millisecond)
	want := "✗ chat (3 ms)\n" +
		"    hermes chat exited with status 4\n" +
		"    stdout line\n" +
		"    stderr says sk-ant-oat01-SEN…789\n" +
		"\n✗ demo failed at \"chat\" after 0 step(s) passed (5 ms)\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestStepsColourOnlyOnATerminal(t *testing.T) {
	s, out := newSteps(true, time.Millisecond)
	_ = s.do(context.Background(), "ok", func(context.Context) ([]string, error) { return nil, nil })
	_ = s.do(context.Background(), "bad", func(context.Context) ([]string, error) { return nil, errors.New("boom") })
	got := out.String()
	for _, want := range []string{green + "✓" + reset + " ok " + dim + "(1 ms)" + reset, red + "✗" + reset + " bad "} {
		if !strings.Contains(got, want) {
			t.Errorf("output %q lacks %q", got, want)
		}
	}
}

func TestCleanEnv(t *testing.T) {
	in := []string{
		"HOME=/home/u", "PATH=/bin", "LANG=C.UTF-8",
		"ANTHROPIC_API_KEY=k", "ANTHROPIC_AUTH_TOKEN=t", "ANTHROPIC_BASE_URL=u", "ANTHROPIC_PROFILE=p",
		"ANTHROPIC_FEDERATION_RULE_ID=r", "ANTHROPIC_IDENTITY_TOKEN_FILE=f", "ANTHROPIC_CONFIG_DIR=/home/u/.config/anthropic",
		"ACTIONS_ID_TOKEN_REQUEST_URL=x", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=y", "GCE_METADATA_HOST=m",
		"HERMES_HOME=/home/u/.hermes", "HERMES_MODEL=m", "HERMES_AZURE_IMDS_ENDPOINT=a",
		"anthropic_api_key=lower", // Windows: names are case-insensitive
	}
	got := cleanEnv(in, "HERMES_HOME=/tmp/h", "ANTHROPIC_CONFIG_DIR=/tmp/a")
	want := []string{"HOME=/home/u", "PATH=/bin", "LANG=C.UTF-8", "HERMES_HOME=/tmp/h", "ANTHROPIC_CONFIG_DIR=/tmp/a"}
	if !slices.Equal(got, want) {
		t.Errorf("cleanEnv =\n%q\nwant\n%q", got, want)
	}
	get := lookupEnv(got)
	if get("HERMES_HOME") != "/tmp/h" || get("ANTHROPIC_API_KEY") != "" {
		t.Errorf("lookupEnv: HERMES_HOME=%q ANTHROPIC_API_KEY=%q", get("HERMES_HOME"), get("ANTHROPIC_API_KEY"))
	}
}

func TestLeaks(t *testing.T) {
	sources := map[string]string{"b stdout": "fine", "a stderr": "oops " + sentinel, "c": "eyJhbGciOiJSUzI1NiJ9.e30.sig here"}
	got := leaks(sources, []string{"", sentinel, "eyJhbGciOiJSUzI1NiJ9.e30.sig"})
	want := []string{"a stderr contains sk-ant-oat01-SEN…789", "c contains eyJ…(JWT, 28 bytes)"}
	if !slices.Equal(got, want) {
		t.Errorf("leaks = %q, want %q", got, want)
	}
	if got := leaks(map[string]string{"x": "clean"}, []string{sentinel}); len(got) != 0 {
		t.Errorf("leaks in clean text: %q", got)
	}
}

func TestPickLines(t *testing.T) {
	status := "hermes will use anthropic-wif because …\n\nCredential sources:\n" +
		"  1. anthropic-wif [configured WIF] — USED\n" +
		"       identity token: file /tmp/t.jwt\n" +
		"         iss http://127.0.0.1:1\n" +
		"         sub repo:x\n" +
		"         jti abc\n" +
		"  2. pool [credential pool] — not set\n"
	got := pickLines(status, "anthropic-wif [", "iss ", "sub ")
	want := []string{"1. anthropic-wif [configured WIF] — USED", "       iss http://127.0.0.1:1", "       sub repo:x"}
	if !slices.Equal(got, want) {
		t.Errorf("pickLines = %q, want %q", got, want)
	}
	if got := pickLines("nothing here", "anthropic-wif ["); len(got) != 0 {
		t.Errorf("pickLines without a match = %q", got)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0 ms", 999 * time.Millisecond: "999 ms", time.Second: "1.00 s", 2346 * time.Millisecond: "2.35 s",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
