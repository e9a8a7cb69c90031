package chatcore

import (
	"slices"
	"strings"
	"testing"
)

func TestLookupAliasesAndCompletion(t *testing.T) {
	t.Parallel()
	if c, ok := Lookup("/quit"); !ok || c.Name != "/exit" {
		t.Errorf("/quit is %q, %v; want /exit", c.Name, ok)
	}
	if _, ok := Lookup("/bogus"); ok {
		t.Error("/bogus found")
	}
	var names []string
	for _, c := range Complete("/s") {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"/sessions", "/status"}) {
		t.Errorf("/s completes to %q", names)
	}
	if len(Complete("/help")) != 0 {
		t.Error("a whole name completes to itself")
	}
	seen := map[string]bool{}
	for _, c := range Commands() {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if seen[n] || !strings.HasPrefix(n, "/") || c.Help == "" || c.Run == nil {
				t.Errorf("command %q: duplicate, unnamed, or without help or handler", n)
			}
			seen[n] = true
		}
	}
}

// A path is a prompt, not a command.
func TestIsCommand(t *testing.T) {
	t.Parallel()
	for line, want := range map[string]bool{
		"/help": true, "/compact the API": true, "  /new": true,
		"/usr/bin/env is missing": false, "hello /help": false, "": false,
	} {
		if got := IsCommand(line); got != want {
			t.Errorf("IsCommand(%q) = %v", line, got)
		}
	}
}
