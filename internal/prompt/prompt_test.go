package prompt

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/iostreams"
)

func TestSelectRetriesThenGivesUp(t *testing.T) {
	ios, in, _, errOut := iostreams.Test()
	in.WriteString("x\n9\n2\n")
	p := New(ios)
	i, err := p.Select(context.Background(), "Pick", []string{"a", "b"})
	if err != nil || i != 1 {
		t.Fatalf("Select = %d, %v", i, err)
	}
	if got := errOut.String(); !strings.Contains(got, "  1) a\n  2) b\n") || strings.Count(got, "is not one of the choices") != 2 {
		t.Fatalf("stderr:\n%s", got)
	}

	ios, in, _, _ = iostreams.Test()
	in.WriteString("x\ny\nz\n1\n")
	if _, err := New(ios).Select(context.Background(), "Pick", []string{"a"}); err == nil || !strings.Contains(err.Error(), "no valid choice") {
		t.Fatalf("err = %v", err)
	}
}

func TestInputAndPasswordWithoutTerminal(t *testing.T) {
	ios, in, out, errOut := iostreams.Test()
	in.WriteString("  answer \r\nsecret-value\n")
	p := New(ios)
	if v, err := p.Input(context.Background(), "Q: "); err != nil || v != "answer" {
		t.Fatalf("Input = %q, %v", v, err)
	}
	if v, err := p.Password(context.Background(), "P: "); err != nil || v != "secret-value" {
		t.Fatalf("Password = %q, %v", v, err)
	}
	if _, err := p.Input(context.Background(), "Q: "); !errors.Is(err, ErrNoInput) {
		t.Fatalf("at EOF: %v", err)
	}
	if out.Len() != 0 || !strings.Contains(errOut.String(), "Q: P: Q: ") {
		t.Fatalf("prompts belong on stderr: out %q err %q", out, errOut)
	}
}

func TestReadLine(t *testing.T) {
	for in, want := range map[string]string{"k\n": "k", "k": "k", "k\r\nrest\n": "k"} {
		if got, err := ReadLine(strings.NewReader(in)); err != nil || got != want {
			t.Errorf("ReadLine(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ReadLine(strings.NewReader("")); !errors.Is(err, ErrNoInput) {
		t.Errorf("empty: %v", err)
	}
	if _, err := ReadLine(strings.NewReader(strings.Repeat("a", maxLine+10))); err == nil {
		t.Error("an over-long line was accepted")
	}
}

func TestCancelledPrompt(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	pr, pw := io.Pipe() // nothing is ever written: the read blocks
	defer pw.Close()
	ios.In = pr
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(ios).Input(ctx, "Q: "); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// Issue 11 item 15: a line read from a pipe that never delivers gives up
// when the context is done; a delivered line is read as by ReadLine.
func TestReadLineContext(t *testing.T) {
	t.Parallel()
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := ReadLineContext(ctx, r); done <- err }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if s, err := ReadLineContext(context.Background(), strings.NewReader(" key \nmore")); s != "key" || err != nil {
		t.Fatalf("ReadLineContext = %q, %v", s, err)
	}
}
