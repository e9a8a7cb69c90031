// Package mcp is hermes's Model Context Protocol client: the servers
// configured as Claude Code configures them (a project's .mcp.json, the
// user's HERMES_HOME/mcp.json, --mcp-config), the approval a project's
// servers need before they run, and their tools as tools.Tool values
// named mcp__SERVER__TOOL.
package mcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/fsutil"
)

// Scopes: where a server's configuration came from.
const (
	ScopeUser    = "user"    // HERMES_HOME/mcp.json
	ScopeProject = "project" // .mcp.json in the repository (needs approval)
	ScopeFlag    = "flag"    // --mcp-config
	ScopeEditor  = "editor"  // an ACP client's session/new
)

// Transports.
const (
	TransportStdio = "stdio"
	TransportHTTP  = "http"
	TransportSSE   = "sse"
)

// ProjectFile is a project's server file, at the work dir or repository
// root (Claude Code's name, so teams share one file).
const ProjectFile = ".mcp.json"

// UserFile is the user's server file in HERMES_HOME.
const UserFile = "mcp.json"

// maxConfigBytes bounds a server file.
const maxConfigBytes = 1 << 20

// Entry is one server as a file spells it (Claude Code's shape).
type Entry struct {
	Type    string            `json:"type,omitempty"` // stdio (default with command), http, sse
	Command string            `json:"command,omitempty"`
	Args    []string          `json:"args,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	URL     string            `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	// TrustReadOnlyHints lets the tools the server marks readOnlyHint
	// run without asking. Honoured for the user's and --mcp-config
	// servers only: a repository cannot vouch for its own server.
	TrustReadOnlyHints bool `json:"trustReadOnlyHints,omitempty"`
}

// File is a server file: {"mcpServers": {"NAME": {...}}}.
type File struct {
	MCPServers map[string]Entry `json:"mcpServers"`
}

// Server is one configured server, its variables expanded.
type Server struct {
	Name  string
	Scope string
	// Source is the file it came from ("" for inline JSON or an editor).
	Source string
	Entry
}

// Transport is the server's transport, defaulted as Claude Code does.
func (e Entry) Transport() string {
	switch {
	case e.Type != "":
		return e.Type
	case e.URL != "" && e.Command == "":
		return TransportHTTP
	}
	return TransportStdio
}

// Validate says what is wrong with an entry, naming the server.
func (e Entry) Validate(name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	switch e.Transport() {
	case TransportStdio:
		if strings.TrimSpace(e.Command) == "" {
			return fmt.Errorf("MCP server %q: a stdio server needs a command", name)
		}
	case TransportHTTP, TransportSSE:
		if !strings.HasPrefix(e.URL, "http://") && !strings.HasPrefix(e.URL, "https://") {
			return fmt.Errorf("MCP server %q: a %s server needs an http:// or https:// url", name, e.Transport())
		}
	default:
		return fmt.Errorf("MCP server %q: unknown type %q: use stdio, http or sse", name, e.Type)
	}
	for k := range e.Env {
		if credential.CredentialEnv(k) {
			return fmt.Errorf("MCP server %q: env %s is a credential variable hermes never gives a server", name, k)
		}
	}
	return nil
}

// ValidName reports whether name can be a server's name: letters, digits,
// - and _ (it becomes part of the tool names mcp__NAME__TOOL), no "__"
// and no _ at the end: a server "gh_" would have tools mcp__gh___TOOL,
// which the rule mcp__gh (every tool of the server gh) also names.
func ValidName(name string) error {
	if name == "" || len(name) > 64 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" ||
		strings.Contains(name, "__") || strings.HasSuffix(name, "_") {
		return fmt.Errorf("MCP server name %q: use letters, digits, - and _ (at most 64, no __, not end with _)", name)
	}
	return nil
}

// ParseFile reads a server file's bytes; src names it in errors.
func ParseFile(data []byte, src string) (File, error) {
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return File{}, fmt.Errorf("%s: not an MCP server file (%v); expected {\"mcpServers\": {\"NAME\": {\"command\": ...}}}", src, err)
	}
	if f.MCPServers == nil {
		f.MCPServers = map[string]Entry{}
	}
	return f, nil
}

// ReadFile reads a server file; a missing file is an empty one.
func ReadFile(path string) (File, []byte, error) {
	data, err := fsutil.ReadFileLimited(path, maxConfigBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return File{MCPServers: map[string]Entry{}}, nil, nil
	}
	if err != nil {
		return File{}, nil, err
	}
	f, err := ParseFile(data, path)
	return f, data, err
}

// WriteFile writes f to path atomically; private (0600) for the user's
// file, which may hold headers with tokens.
func WriteFile(path string, f File, private bool) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	perm := os.FileMode(0o644)
	if private {
		perm = 0o600
		if err := fsutil.EnsureDir(filepath.Dir(path)); err != nil {
			return err
		}
	}
	return fsutil.WriteFileAtomic(path, data, perm)
}

// ProjectPath is the project's server file for workDir: the nearest
// .mcp.json from workDir up to the root of the git repository workDir is
// in, else workDir's (where `mcp add --scope project` creates it). Outside
// a repository only workDir's counts: a .mcp.json in a parent such as /tmp
// or /home is nobody's project, and may be anybody's file.
func ProjectPath(workDir string) string {
	own := filepath.Join(workDir, ProjectFile)
	var dirs []string
	for dir := workDir; ; dir = filepath.Dir(dir) {
		dirs = append(dirs, dir)
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			return own
		}
	}
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, ProjectFile)); err == nil {
			return filepath.Join(dir, ProjectFile)
		}
	}
	return own
}

// UserPath is the user's server file.
func UserPath(hermesHome string) string { return filepath.Join(hermesHome, UserFile) }

// LoadOptions say where servers come from.
type LoadOptions struct {
	HermesHome string
	WorkDir    string
	// Flags are --mcp-config values: a file path or inline JSON.
	Flags []string
	// Strict uses only Flags (--strict-mcp-config).
	Strict bool
	// Getenv expands ${VAR}; default os.LookupEnv.
	Getenv func(string) (string, bool)
	// Protected names variables beyond the credential list that must not
	// be expanded into a server's configuration.
	Protected []string
}

// Loaded is the configured servers, and the project file's bytes (for
// its approval).
type Loaded struct {
	Servers []Server
	// Project is the project file's path and content, when one was read.
	ProjectPath string
	ProjectData []byte
	// Skipped are servers left out, each with why (a variable not set).
	Skipped []error
}

// Load reads the servers: the user's, then the project's, then each
// --mcp-config; a later one with the same name wins (the user named it
// last). With Strict only the --mcp-config ones. A file that cannot be
// read or parsed is an error: a typo must not silently drop servers.
func Load(o LoadOptions) (*Loaded, error) {
	out := &Loaded{}
	byName := map[string]Server{}
	add := func(f File, scope, src string) {
		for _, name := range slices.Sorted(maps.Keys(f.MCPServers)) {
			e, err := expandEntry(f.MCPServers[name], o)
			if err == nil {
				err = e.Validate(name)
			}
			if err != nil {
				out.Skipped = append(out.Skipped, fmt.Errorf("MCP server %q (%s): %w", name, src, err))
				delete(byName, name)
				continue
			}
			if scope == ScopeProject {
				e.TrustReadOnlyHints = false
			}
			byName[name] = Server{Name: name, Scope: scope, Source: src, Entry: e}
		}
	}
	if !o.Strict {
		if o.HermesHome != "" {
			p := UserPath(o.HermesHome)
			f, _, err := ReadFile(p)
			if err != nil {
				return nil, err
			}
			add(f, ScopeUser, p)
		}
		if o.WorkDir != "" {
			p := ProjectPath(o.WorkDir)
			f, data, err := ReadFile(p)
			if err != nil {
				return nil, err
			}
			if data != nil {
				out.ProjectPath, out.ProjectData = p, data
			}
			add(f, ScopeProject, p)
		}
	}
	for _, v := range o.Flags {
		f, src, err := readFlag(v)
		if err != nil {
			return nil, err
		}
		add(f, ScopeFlag, src)
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		out.Servers = append(out.Servers, byName[name])
	}
	return out, nil
}

// readFlag reads one --mcp-config value: JSON when it starts with {, else
// a file.
func readFlag(v string) (File, string, error) {
	if strings.HasPrefix(strings.TrimSpace(v), "{") {
		f, err := ParseFile([]byte(v), "--mcp-config JSON")
		return f, "", err
	}
	data, err := fsutil.ReadFileLimited(v, maxConfigBytes)
	if err != nil {
		return File{}, "", fmt.Errorf("--mcp-config %s: %w", v, err)
	}
	f, err := ParseFile(data, v)
	if err != nil {
		return File{}, "", fmt.Errorf("--mcp-config %w", err)
	}
	abs, _ := filepath.Abs(v)
	return f, abs, nil
}

// CheckFlags validates --mcp-config values without starting anything
// (for flag errors before a run, and for storing with a cron job).
func CheckFlags(values []string) error {
	for _, v := range values {
		f, _, err := readFlag(v)
		if err != nil {
			return err
		}
		for name, e := range f.MCPServers {
			if err := e.Validate(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// AbsFlags is --mcp-config values with file paths made absolute against
// dir (for a cron job, which runs from elsewhere); JSON stays as given.
func AbsFlags(values []string, dir string) []string {
	var out []string
	for _, v := range values {
		if !strings.HasPrefix(strings.TrimSpace(v), "{") && !filepath.IsAbs(v) {
			v = filepath.Join(dir, v)
		}
		out = append(out, v)
	}
	return out
}
