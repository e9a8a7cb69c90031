package mcp

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/hermes-agent/hermes/internal/prompt"
	"github.com/hermes-agent/hermes/internal/termtext"
)

// Setup is what a command (chat, acp, cron) knows about the servers to
// use; Open turns it into a running Manager.
type Setup struct {
	HermesHome string
	WorkDir    string
	// Flags and Strict are --mcp-config and --strict-mcp-config.
	Flags  []string
	Strict bool
	// Extra are servers from elsewhere (an editor's session/new).
	Extra []Server
	// ProtectedEnv are variables beyond the credential list a server
	// never gets, nor sees expanded (the resolver's SecretEnv).
	ProtectedEnv []string
	// Ask, when set, asks the user about an unapproved project server.
	Ask Asker
	// Stderr gets one line per skipped or failed server.
	Stderr io.Writer
	Getenv func(string) string
}

// Open loads the configured servers, keeps those that may start (project
// servers only once approved), and starts them all in the background.
// The Manager is nil when none is configured; one whose servers were all
// skipped runs none but still reports them in Statuses. The caller
// Closes it.
func Open(ctx context.Context, s Setup) (*Manager, error) {
	getenv := s.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	timeout, err := ToolTimeout(getenv)
	if err != nil {
		return nil, err
	}
	l, err := Load(LoadOptions{HermesHome: s.HermesHome, WorkDir: s.WorkDir, Flags: s.Flags, Strict: s.Strict, Protected: s.ProtectedEnv,
		Getenv: func(k string) (string, bool) { v := getenv(k); return v, v != "" }})
	if err != nil {
		return nil, err
	}
	report := lineWriter(s.Stderr)
	servers, skipped := usable(ctx, l, s.HermesHome, s.Ask, report)
	servers = append(servers, s.Extra...)
	if len(servers)+len(skipped) == 0 {
		return nil, nil
	}
	m := NewManager(servers, Options{WorkDir: s.WorkDir, ProtectedEnv: s.ProtectedEnv, ToolTimeout: timeout, Report: report})
	m.skipped = skipped
	m.Start()
	return m, nil
}

// lineWriter reports lines to w (nothing when w is nil), one at a time.
func lineWriter(w io.Writer) func(string) {
	if w == nil {
		return func(string) {}
	}
	var mu sync.Mutex
	return func(line string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(w, termtext.Clean(line))
	}
}

// TerminalAsker asks on a terminal whether to start a project server,
// showing what it would run.
func TerminalAsker(ctx context.Context, p prompt.Prompter, out io.Writer) Asker {
	return func(s Server) (bool, error) {
		fmt.Fprintf(out, "The project's %s configures the MCP server %s:\n  %s\n", ProjectFile, termtext.Clean(s.Name), termtext.Clean(Describe(s)))
		// What it is given, by name (values may be secrets the file
		// pulled in with ${VAR}): a header or variable the user did
		// not expect is a reason to say no.
		if names := slices.Sorted(maps.Keys(s.Env)); len(names) > 0 {
			fmt.Fprintf(out, "  with the environment variables %s\n", termtext.Clean(strings.Join(names, ", ")))
		}
		if names := slices.Sorted(maps.Keys(s.Headers)); len(names) > 0 {
			fmt.Fprintf(out, "  sending the headers %s\n", termtext.Clean(strings.Join(names, ", ")))
		}
		i, err := p.Select(ctx, "Start it (and remember the answer for this version of the file)?", []string{"yes", "no"})
		return err == nil && i == 0, err
	}
}

// Flags registers --mcp-config (repeatable: a file or inline JSON) and
// --strict-mcp-config on a command.
func Flags(fl *pflag.FlagSet, config *[]string, strict *bool) {
	fl.StringArrayVar(config, "mcp-config", nil, "MCP servers from a file or JSON ({\"mcpServers\": {...}}); repeatable")
	fl.BoolVar(strict, "strict-mcp-config", false, "use only the --mcp-config servers, not HERMES_HOME/mcp.json nor the project's .mcp.json")
}
