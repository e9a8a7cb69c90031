// Package mcp is `hermes mcp`: add, list, get, remove and approve the MCP
// servers the agent uses (Claude Code's verbs and files).
package mcp

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/mcp"
	"github.com/hermes-agent/hermes/internal/termtext"
)

// Options are the shared inputs of the subcommands.
type Options struct {
	IO         *iostreams.IOStreams
	HermesHome func() (string, error)
	Getenv     func(string) string
	SecretEnv  func() []string
	// WorkDir is where the project's .mcp.json is looked for.
	WorkDir func() (string, error)
}

// NewCmd returns `hermes mcp`.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	o := &Options{IO: f.IO, HermesHome: f.HermesHome, Getenv: f.Getenv, WorkDir: os.Getwd,
		// f.SecretEnv is filled by the root after NewCmd: read it late.
		SecretEnv: func() []string {
			if f.SecretEnv == nil {
				return nil
			}
			return f.SecretEnv()
		}}
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Manage the MCP servers the agent uses",
		Long: `Manage Model Context Protocol servers, configured as Claude Code configures them:
the user's in $HERMES_HOME/mcp.json, a project's in .mcp.json at the repository
root (shared with the team), and --mcp-config FILE|JSON on chat, acp and cron.

A project's servers start only once approved (hermes mcp approve NAME, or a yes
on the terminal), remembered per file path and content: a checkout never runs
a program just by being opened. Their tools reach the model as
mcp__SERVER__TOOL and need permission like bash: allow them with
--allowed-tools mcp__SERVER or mcp__SERVER__TOOL.`,
	}
	cmd.AddCommand(newAddCmd(o), newListCmd(o), newGetCmd(o), newRemoveCmd(o), newApproveCmd(o))
	return cmdutil.Group(cmd)
}

// scopePath is the server file of scope.
func (o *Options) scopePath(scope string) (string, error) {
	switch scope {
	case mcp.ScopeUser:
		home, err := o.HermesHome()
		if err != nil {
			return "", err
		}
		return mcp.UserPath(home), nil
	case mcp.ScopeProject:
		wd, err := o.WorkDir()
		if err != nil {
			return "", err
		}
		return mcp.ProjectPath(wd), nil
	}
	return "", cmdutil.FlagErrorf("--scope %q: use user or project", scope)
}

func newAddCmd(o *Options) *cobra.Command {
	var transport, scope string
	var env, headers []string
	cmd := &cobra.Command{
		Use:   "add [flags] NAME -- COMMAND [ARGS...] | add --transport http NAME URL",
		Short: "Add an MCP server",
		Example: `  hermes mcp add github -- npx -y @modelcontextprotocol/server-github
  hermes mcp add --scope project -e DB_URL='${DB_URL}' db -- ./tools/db-mcp
  hermes mcp add --transport http --header 'Authorization: Bearer ${DOCS_TOKEN}' docs https://docs.example.com/mcp`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			e := mcp.Entry{}
			switch transport {
			case mcp.TransportStdio:
				e.Command, e.Args = args[1], args[2:]
			case mcp.TransportHTTP, mcp.TransportSSE:
				if len(args) != 2 {
					return cmdutil.FlagErrorf("an %s server takes NAME URL", transport)
				}
				e.Type, e.URL = transport, args[1]
			default:
				return cmdutil.FlagErrorf("--transport %q: use stdio, http or sse", transport)
			}
			for _, kv := range env {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return cmdutil.FlagErrorf("-e %q: use KEY=VALUE", kv)
				}
				if e.Env == nil {
					e.Env = map[string]string{}
				}
				e.Env[k] = v
			}
			for _, h := range headers {
				k, v, ok := strings.Cut(h, ":")
				if !ok || strings.TrimSpace(k) == "" {
					return cmdutil.FlagErrorf("--header %q: use 'Name: value'", h)
				}
				if e.Headers == nil {
					e.Headers = map[string]string{}
				}
				e.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
			if err := e.Validate(name); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if what := mcp.LiteralSecret(e); what != "" && scope == mcp.ScopeProject {
				return cmdutil.FlagErrorf("the %s of MCP server %s is a literal value, and the project's .mcp.json is shared with the repository: write it as ${VAR} (e.g. --header 'Authorization: Bearer ${DOCS_TOKEN}') and set VAR in your environment, or add the server with --scope user", termtext.Clean(what), name)
			}
			path, err := o.scopePath(scope)
			if err != nil {
				return err
			}
			f, _, err := mcp.ReadFile(path)
			if err != nil {
				return err
			}
			if _, ok := f.MCPServers[name]; ok {
				return fmt.Errorf("MCP server %s already exists in %s: remove it first with `hermes mcp remove %s`", name, path, name)
			}
			f.MCPServers[name] = e
			if err := mcp.WriteFile(path, f, scope == mcp.ScopeUser); err != nil {
				return err
			}
			fmt.Fprintf(o.IO.ErrOut, "Added %s MCP server %s to %s\n", transport, name, termtext.Clean(path))
			if scope == mcp.ScopeProject {
				fmt.Fprintf(o.IO.ErrOut, "Project servers start once approved: `hermes mcp approve %s` (each person who checks it out approves it too).\n", name)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&transport, "transport", "t", mcp.TransportStdio, "stdio (a command), http (streamable HTTP) or sse")
	fl.StringVarP(&scope, "scope", "s", mcp.ScopeUser, "user ($HERMES_HOME/mcp.json) or project (.mcp.json)")
	fl.StringArrayVarP(&env, "env", "e", nil, "KEY=VALUE for a stdio server's environment (repeatable; ${VAR} is expanded at start)")
	fl.StringArrayVarP(&headers, "header", "H", nil, "'Name: value' header for an http server (repeatable)")
	return cmd
}

// loaded is every configured server of both files (no flags), without
// approval filtering, and the project file's state.
func (o *Options) loaded() (*mcp.Loaded, string, error) {
	home, err := o.HermesHome()
	if err != nil {
		return nil, "", err
	}
	wd, err := o.WorkDir()
	if err != nil {
		return nil, "", err
	}
	getenv := o.Getenv
	l, err := mcp.Load(mcp.LoadOptions{HermesHome: home, WorkDir: wd, Getenv: func(k string) (string, bool) { v := getenv(k); return v, v != "" }})
	return l, home, err
}

func newListCmd(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the MCP servers, with a quick connect to each",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, home, err := o.loaded()
			if err != nil {
				return err
			}
			for _, err := range l.Skipped {
				fmt.Fprintln(o.IO.ErrOut, "hermes:", termtext.Clean(err.Error()))
			}
			if len(l.Servers) == 0 {
				fmt.Fprintln(o.IO.ErrOut, "No MCP servers configured: add one with `hermes mcp add NAME -- COMMAND`.")
				return nil
			}
			var run []mcp.Server
			for _, s := range l.Servers {
				if s.Scope != mcp.ScopeProject || mcp.IsApproved(home, l.ProjectPath, l.ProjectData, s.Name) {
					run = append(run, s)
				}
			}
			wd, _ := o.WorkDir()
			var secret []string
			if o.SecretEnv != nil {
				secret = o.SecretEnv()
			}
			m := mcp.NewManager(run, mcp.Options{WorkDir: wd, ProtectedEnv: secret, ToolTimeout: 10 * time.Second})
			defer m.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), 15*time.Second)
			defer cancel()
			m.Tools(ctx)
			status := map[string]mcp.Status{}
			for _, st := range m.Statuses() {
				status[st.Name] = st
			}
			w := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tSCOPE\tTRANSPORT\tSTATUS\tTOOLS\tCOMMAND/URL")
			for _, s := range l.Servers {
				state, tools := "not approved (hermes mcp approve "+s.Name+")", "-"
				if st, ok := status[s.Name]; ok {
					state = st.State
					if st.Err != nil {
						state = "failed: " + termtext.OneLine(st.Err.Error(), 80)
					}
					if st.State == "connected" {
						tools = fmt.Sprint(st.Tools)
					}
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.Scope, s.Transport(), termtext.Clean(state), tools, termtext.Clean(mcp.Describe(s)))
			}
			return w.Flush()
		},
	}
}

func find(l *mcp.Loaded, name string) (mcp.Server, bool) {
	i := slices.IndexFunc(l.Servers, func(s mcp.Server) bool { return s.Name == name })
	if i < 0 {
		return mcp.Server{}, false
	}
	return l.Servers[i], true
}

func newGetCmd(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "get NAME",
		Short: "Show one MCP server's configuration",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, home, err := o.loaded()
			if err != nil {
				return err
			}
			s, ok := find(l, args[0])
			if !ok {
				return fmt.Errorf("no MCP server %q: `hermes mcp list` shows them", args[0])
			}
			out := o.IO.Out
			fmt.Fprintf(out, "%s:\n  scope: %s\n  file: %s\n  transport: %s\n", s.Name, s.Scope, termtext.Clean(s.Source), s.Transport())
			if s.Transport() == mcp.TransportStdio {
				fmt.Fprintf(out, "  command: %s\n", termtext.Clean(mcp.Describe(s)))
				for _, k := range slices.Sorted(keys(s.Env)) {
					fmt.Fprintf(out, "  env: %s=…\n", termtext.Clean(k))
				}
			} else {
				fmt.Fprintf(out, "  url: %s\n", termtext.Clean(s.URL))
				for _, k := range slices.Sorted(keys(s.Headers)) {
					// Values may hold a token: names only.
					fmt.Fprintf(out, "  header: %s: …\n", termtext.Clean(k))
				}
			}
			if s.Scope == mcp.ScopeProject {
				fmt.Fprintf(out, "  approved: %v\n", mcp.IsApproved(home, l.ProjectPath, l.ProjectData, s.Name))
			}
			fmt.Fprintf(out, "  tools: mcp__%s__TOOL (allow with --allowed-tools mcp__%s)\n", s.Name, s.Name)
			return nil
		},
	}
}

func keys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func newRemoveCmd(o *Options) *cobra.Command {
	var scope string
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove an MCP server",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			scopes := []string{mcp.ScopeUser, mcp.ScopeProject}
			if scope != "" {
				scopes = []string{scope}
			}
			for _, sc := range scopes {
				path, err := o.scopePath(sc)
				if err != nil {
					return err
				}
				f, data, err := mcp.ReadFile(path)
				if err != nil {
					return err
				}
				if _, ok := f.MCPServers[name]; !ok || data == nil {
					continue
				}
				delete(f.MCPServers, name)
				if err := mcp.WriteFile(path, f, sc == mcp.ScopeUser); err != nil {
					return err
				}
				fmt.Fprintf(o.IO.ErrOut, "Removed MCP server %s from %s\n", name, termtext.Clean(path))
				return nil
			}
			return fmt.Errorf("no MCP server %q in the user's or the project's file: `hermes mcp list` shows them", name)
		},
	}
	cmd.Flags().StringVarP(&scope, "scope", "s", "", "user or project (default: the first that has it)")
	return cmd
}

func newApproveCmd(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "approve NAME...",
		Short: "Approve a project's MCP servers (remembered for this version of .mcp.json)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, home, err := o.loaded()
			if err != nil {
				return err
			}
			for _, name := range args {
				s, ok := find(l, name)
				if !ok || s.Scope != mcp.ScopeProject {
					return fmt.Errorf("no MCP server %q in the project's %s: only project servers need approval", name, mcp.ProjectFile)
				}
			}
			if err := mcp.Approve(cmd.Context(), home, l.ProjectPath, l.ProjectData, args...); err != nil {
				return err
			}
			for _, name := range args {
				s, _ := find(l, name)
				fmt.Fprintf(o.IO.ErrOut, "Approved MCP server %s (%s) of %s\n", name, termtext.Clean(mcp.Describe(s)), termtext.Clean(l.ProjectPath))
			}
			return nil
		},
	}
}
