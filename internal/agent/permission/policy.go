package permission

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hermes-agent/hermes/internal/agent/tools"
)

// Permission modes, Claude Code's values.
const (
	ModeDefault           = "default"
	ModeAcceptEdits       = "acceptEdits"
	ModeBypassPermissions = "bypassPermissions"
	ModePlan              = "plan"
)

// BypassWarning is printed once on stderr by every command that runs with
// ModeBypassPermissions and tools that need permission.
const BypassWarning = "warning: --permission-mode bypassPermissions: write_file, edit_file and bash run without asking (bash runs as you); only --disallowed-tools rules still apply"

// Modes lists the accepted modes (a new slice each call: callers may not
// change the list for everyone).
func Modes() []string {
	return []string{ModeDefault, ModeAcceptEdits, ModeBypassPermissions, ModePlan}
}

// CheckMode validates a mode; "" is ModeDefault.
func CheckMode(mode string) (string, error) {
	if mode == "" {
		return ModeDefault, nil
	}
	if !slices.Contains(Modes(), mode) {
		return "", fmt.Errorf("unknown permission mode %q: choose from %s", mode, strings.Join(Modes(), ", "))
	}
	return mode, nil
}

// Decision is what a Policy says about a tool call.
type Decision int

const (
	// Ask: nothing decides; ask the user, or deny when nobody can be asked.
	Ask Decision = iota
	Allow
	Deny
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	}
	return "ask"
}

// Verdict is a Decision with the words for a denial.
type Verdict struct {
	Decision Decision
	// Reason says why a call is denied (Deny), for the model and the user.
	Reason string
	// Suggest are rules that would allow the call's parts (Ask): what
	// "don't ask again" adds. For bash they are command rules
	// (bash(go test:*)), never the whole tool.
	Suggest []Rule
	// Unruled are the parts of a bash command no command rule can
	// allow (writing a file by redirection, an assignment, what the
	// checker does not model), as written: "don't ask again" does not
	// cover them, they are asked about each time.
	Unruled []string
}

// Hint is the "allow it with …" advice for a call nobody could be asked
// about.
func (v Verdict) Hint() string {
	if len(v.Unruled) == 0 {
		return Hint(v.Suggest)
	}
	return fmt.Sprintf("%q cannot be allowed by a command rule; run it where you can be asked, or allow every command with --allowed-tools 'bash'", strings.Join(v.Unruled, "; "))
}

// Policy is a mode and rules; safe for concurrent use. Sub-agents share
// their parent's Policy, so they never get more than it.
type Policy struct {
	mode string

	mu    sync.Mutex
	allow []Rule
	deny  []Rule
}

// New returns a policy; mode "" is ModeDefault.
func New(mode string, allow, deny []Rule) (*Policy, error) {
	m, err := CheckMode(mode)
	if err != nil {
		return nil, err
	}
	return &Policy{mode: m, allow: slices.Clone(allow), deny: slices.Clone(deny)}, nil
}

// Mode is the policy's mode.
func (p *Policy) Mode() string { return p.mode }

// Offered reports whether tool is offered to the model at all: plan mode
// offers only read-only tools, and a tool denied as a whole is not offered.
func (p *Policy) Offered(tool string) bool {
	return p.OfferedKind(tool, tools.KindOf(tool))
}

// OfferedKind is Offered for a tool of kind (an MCP server's tool, whose
// kind the agent knows).
func (p *Policy) OfferedKind(tool string, kind tools.Kind) bool {
	if p.mode == ModePlan && !kind.ReadOnly() {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.deny {
		if names(r.Tool, tool) && r.Command == "" {
			return false
		}
	}
	return true
}

// ServerTool says whether a server tool (web_search, web_fetch) is
// declared to the model, and for which domains. The API runs their calls
// and the client sees them only afterwards, so nobody can be asked: the
// tool is declared only when an allow rule names it, or in
// bypassPermissions mode; plan mode and a whole-tool deny rule leave it
// out. Domain rules narrow it: allowed (allow rules; nil means any
// domain) and blocked (deny rules, which win over an allowed domain).
func (p *Policy) ServerTool(tool string) (declare bool, allowed, blocked []string) {
	if !slices.Contains(ServerTools(), tool) || !p.Offered(tool) {
		return false, nil, nil
	}
	allow, deny := p.Rules()
	for _, r := range deny {
		if r.Tool == tool && r.Domain() != "" {
			blocked = append(blocked, r.Domain())
		}
	}
	anyDomain := p.mode == ModeBypassPermissions
	for _, r := range allow {
		switch {
		case r.Tool != tool:
		case r.Command == "":
			anyDomain = true
		case r.Domain() != "" && !slices.Contains(blocked, r.Domain()):
			allowed = append(allowed, r.Domain())
		}
	}
	if anyDomain {
		return true, nil, blocked
	}
	// The API takes allowed or blocked domains, not both: with an allow
	// list, the denied domains are already left out of it.
	return len(allowed) > 0, allowed, nil
}

// AllowForSession adds rules for the rest of the session ("yes, and don't
// ask again").
func (p *Policy) AllowForSession(rules ...Rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range rules {
		if !slices.Contains(p.allow, r) {
			p.allow = append(p.allow, r)
		}
	}
}

// NamesPath reports whether an allow rule names rel for tool by path
// (write_file(.git/**)): the explicit consent git's internals need.
func (p *Policy) NamesPath(tool, rel string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.allow {
		if r.Tool == tool && r.Command != "" && EditTool(tool) && matchPath(r.Command, rel) {
			return true
		}
	}
	return false
}

// Rules returns copies of the current allow and deny rules.
func (p *Policy) Rules() (allow, deny []Rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.allow), slices.Clone(p.deny)
}

// Check decides a call of tool; command is the bash command ("" for other
// tools). Order: a deny rule wins over everything; read-only tools run;
// plan mode refuses the rest; bypassPermissions allows; acceptEdits allows
// the file tools; allow rules allow; anything else is Ask.
func (p *Policy) Check(tool, command string) Verdict {
	return p.CheckKind(tool, tools.KindOf(tool), command)
}

// CheckKind is Check for a tool of kind: an MCP server's tool is Other
// (asks like bash) unless the user opted in to the server's read-only
// hints.
func (p *Policy) CheckKind(tool string, kind tools.Kind, command string) Verdict {
	allow, deny := p.Rules()
	var parts []Part
	var perr error
	if tool == ToolBash {
		parts, perr = SplitCommand(command)
	}
	if v, denied := checkDeny(tool, deny, parts, perr); denied {
		return v
	}
	switch {
	case kind.ReadOnly():
		return Verdict{Decision: Allow}
	case p.mode == ModePlan:
		return Verdict{Decision: Deny, Reason: fmt.Sprintf("%s is not available in plan mode (read-only tools only)", tool)}
	case p.mode == ModeBypassPermissions:
		return Verdict{Decision: Allow}
	case p.mode == ModeAcceptEdits && kind == tools.Edit:
		return Verdict{Decision: Allow}
	}
	for _, r := range allow {
		if names(r.Tool, tool) && r.Command == "" {
			return Verdict{Decision: Allow}
		}
	}
	if tool != ToolBash {
		return Verdict{Decision: Ask, Suggest: []Rule{{Tool: tool}}}
	}
	if perr != nil {
		return Verdict{Decision: Ask, Unruled: []string{command}}
	}
	v := Verdict{Decision: Ask}
	for _, part := range parts {
		if partAllowed(part, allow) {
			continue
		}
		r, ok := suggestRule(part)
		if !ok {
			if !slices.Contains(v.Unruled, part.Text) {
				v.Unruled = append(v.Unruled, part.Text)
			}
			continue
		}
		if !slices.Contains(v.Suggest, r) {
			v.Suggest = append(v.Suggest, r)
		}
	}
	if len(v.Suggest) == 0 && len(v.Unruled) == 0 {
		return Verdict{Decision: Allow}
	}
	return v
}

// checkDeny applies the deny rules. For bash every part is checked, also
// with wrapper commands stripped (sudo rm, env X=1 rm, /bin/rm); a part
// whose command words are computed at run time, or a command that cannot
// be parsed, cannot be shown not to match and is denied while any bash
// command rule is in the deny list.
func checkDeny(tool string, deny []Rule, parts []Part, perr error) (Verdict, bool) {
	var cmdRules []Rule
	for _, r := range deny {
		if !names(r.Tool, tool) {
			continue
		}
		if r.Command == "" {
			return Verdict{Decision: Deny, Reason: fmt.Sprintf("%s is denied by the rule %s", tool, r)}, true
		}
		cmdRules = append(cmdRules, r)
	}
	if len(cmdRules) == 0 {
		return Verdict{}, false
	}
	if perr != nil {
		return Verdict{Decision: Deny, Reason: fmt.Sprintf("the command cannot be checked against the deny rules (%v)", perr)}, true
	}
	for _, part := range parts {
		if part.Unknown {
			return Verdict{Decision: Deny, Reason: fmt.Sprintf("%q cannot be checked against the deny rules: %s", part.Text, part.Why)}, true
		}
		for _, words := range [][]string{part.Words, normalize(part.Words)} {
			for _, r := range cmdRules {
				switch matchWords(words, r) {
				case matchYes:
					return Verdict{Decision: Deny, Reason: fmt.Sprintf("%q is denied by the rule %s", part.Text, r)}, true
				case matchUnknown:
					return Verdict{Decision: Deny, Reason: fmt.Sprintf("%q is computed at run time and cannot be checked against the deny rule %s", part.Text, r)}, true
				}
			}
		}
	}
	return Verdict{}, false
}

type match int

const (
	matchNo match = iota
	matchYes
	matchUnknown
)

// matchWords compares a part's words with a command rule. A run-time
// word ("") where the rule needs a fixed word is matchUnknown.
func matchWords(words []string, r Rule) match {
	rw := r.words()
	if len(words) < len(rw) {
		for _, w := range words {
			if w == "" {
				return matchUnknown
			}
		}
		return matchNo
	}
	for i, want := range rw {
		if words[i] == "" {
			return matchUnknown
		}
		if words[i] != want {
			return matchNo
		}
	}
	if !r.Prefix && len(words) != len(rw) {
		return matchNo
	}
	return matchYes
}

// partAllowed reports whether a bash allow rule vouches for part: it must
// match on fixed words, and the part must not be Unsafe.
func partAllowed(part Part, allow []Rule) bool {
	if part.Unsafe || part.Unknown {
		return false
	}
	for _, r := range allow {
		if r.Tool != ToolBash || r.Command == "" {
			continue
		}
		if !r.Prefix && part.Dynamic {
			continue
		}
		if matchWords(part.Words, r) == matchYes {
			return true
		}
	}
	return false
}

// suggestRule is the rule that would allow part: its command and
// subcommand as a prefix ("bash(go test:*)"). ok is false when no
// command rule can vouch for the part (Unsafe, Unknown, a command
// computed at run time): the whole tool is never suggested.
func suggestRule(part Part) (r Rule, ok bool) {
	if part.Unsafe || part.Unknown || len(part.Words) == 0 || part.Words[0] == "" {
		return Rule{}, false
	}
	words := part.Words[:1]
	if len(part.Words) > 1 && hasSubcommands(part.Words[0]) && part.Words[1] != "" && !strings.HasPrefix(part.Words[1], "-") && !strings.ContainsAny(part.Words[1], "/.=") {
		words = part.Words[:2]
	}
	for _, w := range words {
		if strings.ContainsAny(w, "() \t\n*\x00\r") {
			return Rule{}, false
		}
	}
	return Rule{Tool: ToolBash, Command: strings.Join(words, " "), Prefix: true}, true
}

// hasSubcommands reports whether a command's second word names what it
// does (go test, git diff), so a suggested rule should include it.
func hasSubcommands(cmd string) bool {
	switch cmd {
	case "git", "go", "npm", "npx", "pnpm", "yarn", "bun", "deno", "cargo", "docker", "podman",
		"kubectl", "helm", "gh", "terraform", "tofu", "uv", "poetry", "pip", "dotnet", "bazel",
		"gcloud", "aws", "az", "make", "just", "hermes":
		return true
	}
	return false
}

// Hint is the "allow it with …" advice for rules.
func Hint(rules []Rule) string {
	var s []string
	for _, r := range rules {
		s = append(s, r.String())
	}
	return "allow it with --allowed-tools '" + strings.Join(s, " ") + "'"
}
