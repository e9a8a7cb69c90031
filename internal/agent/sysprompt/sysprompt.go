// Package sysprompt builds what hermes tells the model before the
// conversation: the default system prompt (where it runs, which tools it
// has and how to use them) and the project instructions (AGENTS.md,
// CLAUDE.md) found around the work dir.
//
// The prompt is a list of text blocks. They are stable for a session (the
// date changes daily), so the caller may mark the last block as the end of
// the cached prefix. The agent adds the conversation's own text
// (--append-system-prompt, a sub-agent's role) after them.
package sysprompt

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/agent/permission"
)

// Options is what the prompt describes.
type Options struct {
	// WorkDir is the agent's work dir, absolute.
	WorkDir string
	// Home is HERMES_HOME, for the user's AGENTS.md; "" skips it.
	Home string
	// Tools are the tools offered, PermissionMode the permission mode.
	Tools          []string
	PermissionMode string
	// Sandbox is bash's sandbox mode; "" says nothing about one.
	Sandbox string
	// Now gives today's date; zero means time.Now.
	Now time.Time
	// GOOS and Shell describe the platform; "" means runtime.GOOS and
	// $SHELL's name.
	GOOS, Shell string
	// Replace, when set (--system-prompt), is sent instead of the
	// default text; the project instructions still follow it.
	Replace string
	// NoProjectInstructions skips the instruction files
	// (--no-project-instructions).
	NoProjectInstructions bool
	// Protected are credential stores no instruction file is read from.
	Protected []string
}

// Prompt is the built system prompt.
type Prompt struct {
	// Blocks are sent in order as the system prompt's text blocks.
	Blocks []string
	// Files are the instruction files used; Warnings say what was cut
	// or refused.
	Files    []File
	Warnings []string
	Repo     Repo
}

// Build builds the system prompt for o.
func Build(o Options) *Prompt {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	p := &Prompt{Repo: FindRepo(o.WorkDir)}
	if o.Replace != "" {
		p.Blocks = append(p.Blocks, o.Replace)
	} else {
		p.Blocks = append(p.Blocks, defaultText(o, p.Repo))
	}
	if !o.NoProjectInstructions {
		in := FindInstructions(o.WorkDir, p.Repo.Root, o.Home, o.Protected)
		p.Files, p.Warnings = in.Files, in.Warnings
		if in.Text != "" {
			p.Blocks = append(p.Blocks, in.Text)
		}
	}
	return p
}

// Text is the prompt as one string, blocks separated by a blank line.
func Text(blocks []string) string { return strings.Join(blocks, "\n\n") }

func defaultText(o Options, repo Repo) string {
	goos := cmpOr(o.GOOS, runtime.GOOS)
	shell := o.Shell
	if shell == "" {
		shell = filepath.Base(os.Getenv("SHELL"))
		if shell == "." || shell == "/" {
			shell = ""
		}
	}
	var b strings.Builder
	b.WriteString("You are hermes, a command-line agent for Claude. You work for a developer in a terminal or editor, or for an automated job, on their machine and in their files.\n\n# Environment\n")
	fmt.Fprintf(&b, "- Working directory: %s\n", o.WorkDir)
	if shell != "" {
		fmt.Fprintf(&b, "- Platform: %s; the user's shell is %s (the bash tool runs bash)\n", goos, shell)
	} else {
		fmt.Fprintf(&b, "- Platform: %s\n", goos)
	}
	fmt.Fprintf(&b, "- Today's date: %s\n", o.Now.Format("2006-01-02"))
	switch {
	case repo.Root != "" && repo.Branch != "":
		fmt.Fprintf(&b, "- Git repository: %s, branch %s\n", repo.Root, repo.Branch)
	case repo.Root != "":
		fmt.Fprintf(&b, "- Git repository: %s\n", repo.Root)
	default:
		b.WriteString("- Not in a git repository\n")
	}
	b.WriteString("\n# Tools\n")
	b.WriteString(toolsText(o))
	b.WriteString(`
# How to work
- Look before you answer: when a question is about this project, read the files it is about rather than guessing.
- Find things with glob and grep; read big files in parts (read_file offset and limit).
- Read a file before you change it. Prefer edit_file on a small, unique passage over rewriting a whole file with write_file.
- After a change, build and run the relevant tests (the project instructions usually say how) and report what you ran and what failed.
- A denied call is the user's decision: do not try to reach the same effect another way; say what you needed and which rule would allow it.
- Keep answers short and plain: they are read in a terminal. Name files as path:line; show code only where it helps.`)
	return b.String()
}

func toolsText(o Options) string {
	if len(o.Tools) == 0 {
		return "No tools are offered in this session: answer from the conversation alone.\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Offered: %s. Paths are relative to the working directory; files outside it and credential stores are refused.\n", strings.Join(o.Tools, ", "))
	var free, asked []string
	var server []string
	for _, t := range o.Tools {
		if slices.Contains(permission.ServerTools(), t) {
			server = append(server, t)
			continue
		}
		if permission.ReadOnly(t) {
			free = append(free, t)
		} else {
			asked = append(asked, t)
		}
	}
	mode := cmpOr(o.PermissionMode, permission.ModeDefault)
	fmt.Fprintf(&b, "Permission mode: %s. ", mode)
	switch mode {
	case permission.ModeBypassPermissions:
		b.WriteString("Every call runs without asking, except those a deny rule refuses: be careful with anything that cannot be undone.\n")
	case permission.ModePlan:
		b.WriteString("Only read-only tools are offered: investigate and propose a plan; do not try to change anything.\n")
	default:
		if len(free) > 0 {
			fmt.Fprintf(&b, "%s run freely. ", strings.Join(free, ", "))
		}
		if len(asked) > 0 {
			if mode == permission.ModeAcceptEdits {
				asked = slices.DeleteFunc(asked, func(t string) bool { return t == permission.ToolWriteFile || t == permission.ToolEditFile })
				b.WriteString("File edits run without asking. ")
			}
			if len(asked) > 0 {
				fmt.Fprintf(&b, "%s need permission: a rule allows the call, the user is asked, or without a terminal the call is denied and the result says which rule would allow it.", strings.Join(asked, ", "))
			}
		}
		b.WriteString("\n")
	}
	if len(server) > 0 {
		fmt.Fprintf(&b, "%s run on Anthropic's servers, within the domains the permission rules allow.\n", strings.Join(server, ", "))
	}
	if slices.Contains(o.Tools, permission.ToolBash) {
		if o.Sandbox != "" {
			fmt.Fprintf(&b, "bash runs in an OS sandbox (%s), without the user's credentials in its environment.\n", o.Sandbox)
		} else {
			b.WriteString("bash runs without the user's credentials in its environment.\n")
		}
	}
	if slices.Contains(o.Tools, permission.ToolDelegate) {
		b.WriteString("delegate hands a self-contained task to a sub-agent with the same tools; use it for independent work that would flood this conversation.\n")
	}
	return b.String()
}
