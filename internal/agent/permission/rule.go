// Package permission decides whether an agent tool call may run: the
// permission modes, the --allowed-tools / --disallowed-tools rules
// ("edit_file", "bash(go test:*)") and the settings files that hold them.
//
// It follows Claude Code's conventions where users have habits, and is
// strict where a rule could be smuggled past: a shell command is split
// with a real bash parser into every simple command it would run
// (through &&, ||, ;, |, subshells, backticks, $(…), process
// substitution, nested `bash -c`), and it is allowed only when every one
// of them is allowed; one denied part denies the whole command.
package permission

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hermes-agent/hermes/internal/agent/tools"
)

// The built-in tools' names (package tools owns them).
const (
	ToolReadFile  = tools.NameReadFile
	ToolListFiles = tools.NameListFiles
	ToolGlob      = tools.NameGlob
	ToolGrep      = tools.NameGrep
	ToolWriteFile = tools.NameWriteFile
	ToolEditFile  = tools.NameEditFile
	ToolBash      = tools.NameBash
	ToolDelegate  = tools.NameDelegate
)

// Tools lists every built-in tool name rules may name.
func Tools() []string { return tools.Names() }

// Anthropic's server tools: declared by hermes, run by the API.
const (
	ToolWebSearch = "web_search"
	ToolWebFetch  = "web_fetch"
)

// ServerTools lists the server tools rules may name: web_search,
// web_fetch, or one domain, web_fetch(domain:docs.example.com). A fresh
// slice each call: no caller changes another's list.
func ServerTools() []string { return []string{ToolWebSearch, ToolWebFetch} }

// domainPrefix starts a server tool rule's command: "domain:HOST".
const domainPrefix = "domain:"

// Domain is a server tool rule's domain ("" for other rules).
func (r Rule) Domain() string {
	d, _ := strings.CutPrefix(r.Command, domainPrefix)
	if d == r.Command {
		return ""
	}
	return d
}

// claudeName maps Claude Code's tool names to ours, so rules copied from
// a Claude Code settings file or command line keep working.
func claudeName(name string) string {
	switch name {
	case "Read":
		return ToolReadFile
	case "LS":
		return ToolListFiles
	case "Glob":
		return ToolGlob
	case "Grep":
		return ToolGrep
	case "Write":
		return ToolWriteFile
	case "Edit", "MultiEdit":
		return ToolEditFile
	case "Bash":
		return ToolBash
	case "Task":
		return ToolDelegate
	case "WebSearch":
		return ToolWebSearch
	case "WebFetch":
		return ToolWebFetch
	}
	return ""
}

// ReadOnly reports whether the built-in tool only reads: it runs without
// asking and is the only kind offered in plan mode. Any other tool (an
// MCP server's) is not.
func ReadOnly(tool string) bool { return tools.KindOf(tool).ReadOnly() }

// EditTool reports whether the built-in tool changes files (allowed by
// acceptEdits).
func EditTool(tool string) bool { return tools.KindOf(tool) == tools.Edit }

// Rule is one permission rule: a whole tool ("edit_file", "bash"), or a
// bash command ("bash(git status)") or command prefix ("bash(go test:*)").
type Rule struct {
	Tool string
	// Command is the bash command or, when Prefix, the leading words a
	// command must start with; "" means every call of Tool.
	Command string
	Prefix  bool
}

// String is the rule in the syntax ParseRule reads.
func (r Rule) String() string {
	if r.Command == "" {
		return r.Tool
	}
	if r.Prefix {
		return r.Tool + "(" + r.Command + ":*)"
	}
	return r.Tool + "(" + r.Command + ")"
}

// words is Command split into shell words (rules are written as plain
// words separated by spaces).
func (r Rule) words() []string { return strings.Fields(r.Command) }

// maxRuleLen bounds one rule; longer ones are certainly mistakes.
const maxRuleLen = 1024

// ParseRule reads one rule: TOOL, TOOL(COMMAND) or TOOL(PREFIX:*). Only
// bash takes a command. Claude Code's tool names (Bash, Edit, …) are
// accepted for ours.
func ParseRule(s string) (Rule, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Rule{}, errors.New("empty permission rule")
	}
	if len(s) > maxRuleLen {
		return Rule{}, fmt.Errorf("permission rule longer than %d bytes", maxRuleLen)
	}
	name, spec, hasSpec := strings.Cut(s, "(")
	if hasSpec {
		if !strings.HasSuffix(spec, ")") {
			return Rule{}, fmt.Errorf("permission rule %q: missing the closing parenthesis, e.g. bash(go test:*)", s)
		}
		spec = strings.TrimSuffix(spec, ")")
	}
	tool, err := toolName(strings.TrimSpace(name))
	if err != nil {
		return Rule{}, fmt.Errorf("permission rule %q: %w", s, err)
	}
	r := Rule{Tool: tool}
	if !hasSpec {
		return r, nil
	}
	spec = strings.TrimSpace(spec)
	if spec == "*" || spec == "" {
		return r, nil // bash(*), bash(): the whole tool
	}
	if slices.Contains(ServerTools(), tool) {
		return domainRule(s, tool, spec)
	}
	if EditTool(tool) {
		// write_file(.git/**): a path rule, only to lift the refusal of
		// git's internals (GitInternal); any other path is a mistake.
		if !GitInternal(spec) || strings.ContainsAny(spec, "()\n\r\x00 ") {
			return Rule{}, fmt.Errorf("permission rule %q: a file tool takes a path in parentheses only for git's internals, e.g. %s(.git/**); allow the tool itself with %s", s, tool, tool)
		}
		return Rule{Tool: tool, Command: spec}, nil
	}
	if tool != ToolBash {
		return Rule{}, fmt.Errorf("permission rule %q: only bash takes a command in parentheses; write %s", s, tool)
	}
	if strings.ContainsAny(spec, "()\n\r\x00") {
		return Rule{}, fmt.Errorf("permission rule %q: the command may not contain parentheses or newlines", s)
	}
	if p, ok := strings.CutSuffix(spec, ":*"); ok {
		r.Prefix = true
		spec = p
	} else if p, ok := strings.CutSuffix(spec, " *"); ok {
		// "bash(go test *)", a common spelling of the same prefix.
		r.Prefix = true
		spec = p
	}
	if strings.Contains(spec, "*") {
		return Rule{}, fmt.Errorf("permission rule %q: * is only allowed at the end, as PREFIX:*", s)
	}
	r.Command = strings.Join(strings.Fields(spec), " ")
	if r.Command == "" {
		return Rule{}, fmt.Errorf("permission rule %q: empty command prefix", s)
	}
	return r, nil
}

// domainRule reads web_fetch(domain:HOST): a host name only, no scheme,
// path, port or wildcard, so the rule says exactly what the API is told.
func domainRule(s, tool, spec string) (Rule, error) {
	host, ok := strings.CutPrefix(spec, domainPrefix)
	host = strings.ToLower(strings.TrimSpace(host))
	if !ok || host == "" || len(host) > 253 || strings.Trim(host, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" ||
		strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") || !strings.Contains(host, ".") {
		return Rule{}, fmt.Errorf("permission rule %q: %s takes a domain, e.g. %s(domain:docs.example.com)", s, tool, tool)
	}
	return Rule{Tool: tool, Command: domainPrefix + host}, nil
}

func toolName(name string) (string, error) {
	if slices.Contains(ServerTools(), name) || tools.Builtin(name) != nil {
		return name, nil
	}
	if t := claudeName(name); t != "" {
		return t, nil
	}
	if t, ok := mcpRuleName(name); ok {
		return t, nil
	}
	return "", fmt.Errorf("unknown tool %q: choose from %s, or an MCP server's tools as mcp__SERVER or mcp__SERVER__TOOL", name, strings.Join(Tools(), ", "))
}

// MCPPrefix starts the name of every MCP server's tool: mcp__SERVER__TOOL.
const MCPPrefix = "mcp__"

// mcpRuleName reads an MCP rule's tool: mcp__SERVER (every tool of the
// server; mcp__SERVER__* is the same) or mcp__SERVER__TOOL.
func mcpRuleName(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, MCPPrefix)
	if !ok {
		return "", false
	}
	server, tool, hasTool := strings.Cut(rest, "__")
	if tool == "*" {
		tool, hasTool = "", false
	}
	if !validMCPPart(server) || hasTool && tool == "" {
		return "", false
	}
	if !hasTool {
		return MCPPrefix + server, true
	}
	return MCPPrefix + server + "__" + tool, true
}

// validMCPPart reports whether s can be a server's name in a rule. As
// mcp.ValidName, it does not end with _: mcp__gh_ would name the tools
// of gh whose names start with _ (mcp__gh___x).
func validMCPPart(s string) bool {
	return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == "" && !strings.Contains(s, "__") && !strings.HasSuffix(s, "_")
}

// names reports whether rule tool name rt applies to a call of tool: the
// same name, or an MCP server rule (mcp__SERVER) for one of its tools.
func names(rt, tool string) bool {
	if rt == tool {
		return true
	}
	if !strings.HasPrefix(rt, MCPPrefix) || strings.Contains(strings.TrimPrefix(rt, MCPPrefix), "__") {
		return false
	}
	return strings.HasPrefix(tool, rt+"__")
}

// SplitRules splits a flag value or settings entry into rule strings:
// rules are separated by commas or white space outside parentheses, so
// "bash(git diff:*) edit_file,read_file" is three rules.
func SplitRules(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	depth := 0
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, c := range s {
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("permission rules %q: unbalanced parentheses", s)
			}
		case depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n'):
			flush()
			continue
		}
		cur.WriteRune(c)
	}
	if depth != 0 {
		return nil, fmt.Errorf("permission rules %q: unbalanced parentheses", s)
	}
	flush()
	return out, nil
}

// ParseRules reads rule lists as given on the command line or in a
// settings file: each element may hold several rules (SplitRules).
func ParseRules(specs []string) ([]Rule, error) {
	var out []Rule
	for _, spec := range specs {
		parts, err := SplitRules(spec)
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			r, err := ParseRule(p)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// covers reports whether rule r allows everything rule o allows (used to
// keep project settings from widening the user's).
func (r Rule) covers(o Rule) bool {
	if !names(r.Tool, o.Tool) {
		return false
	}
	if r.Command == "" {
		return true
	}
	if o.Command == "" {
		return false
	}
	if !r.Prefix {
		return !o.Prefix && r.Command == o.Command
	}
	return hasWordPrefix(o.words(), r.words())
}

func hasWordPrefix(words, prefix []string) bool {
	if len(prefix) > len(words) {
		return false
	}
	for i, p := range prefix {
		if words[i] != p {
			return false
		}
	}
	return true
}

// GitInternal reports whether rel (a slash- or OS-separated path inside
// the work dir) is in a .git directory, or is a .git file: git runs code
// from there later (config's core.fsmonitor, core.pager, hooks/), so the
// file tools refuse it unless a rule names it (write_file(.git/**)).
func GitInternal(rel string) bool { return tools.GitInternal(rel) }

// matchPath reports whether rel matches a path rule's pattern: * and ?
// within one segment, ** for any number of segments.
func matchPath(pattern, rel string) bool {
	return matchSegs(strings.Split(pattern, "/"), strings.Split(filepath.ToSlash(rel), "/"))
}

func matchSegs(pat, segs []string) bool {
	if len(pat) == 0 {
		return len(segs) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if matchSegs(pat[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	ok, err := path.Match(pat[0], segs[0])
	return err == nil && ok && matchSegs(pat[1:], segs[1:])
}
