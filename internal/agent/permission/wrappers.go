package permission

import (
	"path/filepath"
	"slices"
	"strings"
)

// commandParts is p (one simple command) and whatever it runs in turn:
// the command of a wrapper (nice, xargs, sudo …), the script of
// `bash -c`, eval, watch, flock -c and script -c, and find's -exec.
// A builtin that evaluates its arguments as code or as variable names,
// a shell reading its script from stdin, or a wrapper option not
// modelled here makes the part Unknown.
func commandParts(p Part, depth int) ([]Part, error) {
	w := p.Words
	if len(w) == 0 || w[0] == "" {
		return []Part{p}, nil
	}
	name := filepath.Base(w[0])
	args := w[1:]
	if why := builtinUnknown(name, args); why != "" {
		p.Unknown, p.Why = true, why
		return []Part{p}, nil
	}
	in, why := runs(name, args)
	if why != "" {
		p.Unknown, p.Why = true, why
		return []Part{p}, nil
	}
	out := []Part{p}
	if in.script != nil {
		s := *in.script
		if s == "" && slices.Contains(args, "") {
			p.Unknown, p.Why = true, name+" runs a script computed at run time"
			return []Part{p}, nil
		}
		if depth+1 > maxNesting {
			p.Unknown, p.Why = true, "commands nested too deep"
			return []Part{p}, nil
		}
		nested, err := splitCommand(s, depth+1)
		if err != nil {
			p.Unknown, p.Why = true, name+" runs a script that cannot be checked ("+err.Error()+")"
			return []Part{p}, nil
		}
		return append(out, nested...), nil
	}
	for _, cmd := range in.commands {
		if len(cmd) == 0 {
			continue
		}
		if depth+1 > maxNesting*4 {
			p.Unknown, p.Why = true, "wrappers nested too deep"
			return []Part{p}, nil
		}
		inner := Part{Words: cmd, Dynamic: slices.Contains(cmd, ""), Text: p.Text}
		more, err := commandParts(inner, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// inner is what a command runs besides itself: other commands' words,
// or a shell script.
type inner struct {
	commands [][]string
	script   *string
}

func command(words []string) inner { return inner{commands: [][]string{words}} }
func script(s string) inner        { return inner{script: &s} }

// runs returns what the command name with args runs in turn; why is set
// when that cannot be told.
func runs(name string, args []string) (inner, string) {
	if spec, ok := wrappers[name]; ok {
		return spec(args)
	}
	switch name {
	case "bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "rbash", "yash", "posh":
		return shellRuns(name, args)
	case "eval":
		if len(args) > 0 && args[0] == "--" {
			args = args[1:]
		}
		if slices.Contains(args, "") {
			return inner{}, "eval of a script computed at run time"
		}
		return script(strings.Join(args, " ")), ""
	case "find":
		return findExec(args), ""
	case "source", ".":
		if len(args) > 0 && args[0] == "--" {
			args = args[1:]
		}
		if len(args) == 0 || !plainFile(args[0]) {
			return inner{}, name + " of something that is not a plain file"
		}
	}
	return inner{}, ""
}

// plainFile reports whether a script argument names an ordinary file
// the user can look at, not stdin, a pipe or a computed name.
func plainFile(s string) bool {
	if s == "" || s == "-" {
		return false
	}
	c := filepath.Clean(s)
	for _, dev := range []string{"/dev/", "/proc/", "/sys/"} {
		if strings.HasPrefix(c+"/", dev) {
			return false
		}
	}
	return true
}

// shellRuns: bash -c SCRIPT (the first argument that is not an option,
// wherever -c is), bash FILE, and anything else reads its script from
// stdin (bash, bash -s, bash <<<, … | bash): unknown.
func shellRuns(name string, args []string) (inner, string) {
	hasC := false
	i := 0
opts:
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "":
			return inner{}, name + " with an option computed at run time"
		case a == "--" || a == "-":
			i++
			break opts
		case a == "--norc" || a == "--noprofile" || a == "--posix" || a == "--login" || a == "--noediting" || a == "--restricted" || a == "--verbose":
		case strings.HasPrefix(a, "--"):
			return inner{}, name + " option " + a + " is not modelled"
		case (a[0] == '-' || a[0] == '+') && len(a) > 1:
			for _, c := range a[1:] {
				switch {
				case c == 'c':
					hasC = true
				case c == 'o' || c == 'O':
					i++ // the option's name
					if i >= len(args) {
						return inner{}, name + " -" + string(c) + " without a value"
					}
				case strings.ContainsRune("euxvlirnpfhaBCEHTP", c):
				default:
					return inner{}, name + " option -" + string(c) + " is not modelled"
				}
			}
		default:
			break opts
		}
	}
	rest := args[i:]
	switch {
	case hasC && len(rest) == 0:
		return inner{}, name + " -c without a script"
	case hasC:
		return script(rest[0]), ""
	case len(rest) == 0:
		return inner{}, name + " reads its script from stdin"
	case !plainFile(rest[0]):
		return inner{}, name + " runs a script that is not a plain file"
	}
	return inner{}, ""
}

// findExec returns the commands find runs for each file (-exec, -execdir,
// -ok, -okdir … ; or +), so a deny rule for rm also catches
// `find . -exec rm {} \;`.
func findExec(w []string) inner {
	var in inner
	for i := 0; i < len(w); i++ {
		switch w[i] {
		case "-exec", "-execdir", "-ok", "-okdir":
		default:
			continue
		}
		end := i + 1
		for end < len(w) && w[end] != ";" && w[end] != "+" {
			end++
		}
		if end > i+1 {
			in.commands = append(in.commands, w[i+1:end])
		}
		i = end
	}
	return in
}

// builtinUnknown is why a builtin's arguments are not modelled: bash
// evaluates them as code (trap, alias, bind -x …) or as variable names,
// whose quoted array subscript is arithmetic that runs $(…)
// (`printf -v 'a[$(rm f)]' x`, `read 'a[…]'`, `test -v 'a[…]'`).
func builtinUnknown(name string, args []string) string {
	switch name {
	case "let":
		return "let evaluates arithmetic"
	case "trap", "alias", "shopt", "bind", "enable", "fc", "complete", "compgen":
		return name + " is not modelled"
	case "declare", "typeset", "local", "export", "readonly", "nameref":
		return name + " run through a wrapper is not modelled"
	case "set":
		return setUnknown(args)
	case "printf":
		for _, a := range args {
			if a == "--" || !strings.HasPrefix(a, "-") {
				break
			}
			if strings.Contains(a, "v") || a == "" {
				return "printf -v assigns a variable name, whose subscript is evaluated"
			}
		}
	case "test", "[":
		for _, a := range args {
			if a == "-v" || a == "-R" {
				return name + " " + a + " evaluates a variable name's subscript"
			}
		}
	case "read", "mapfile", "readarray", "getopts", "unset", "wait", "hash", "jobs":
		for _, a := range args {
			switch {
			case a == "":
				return name + " with an argument computed at run time"
			case strings.ContainsAny(a, "[]"):
				return name + " evaluates a variable name's subscript"
			case (name == "mapfile" || name == "readarray") && strings.HasPrefix(a, "-") && strings.Contains(a, "C"):
				return name + " -C runs a callback"
			case name == "wait" && strings.HasPrefix(a, "-") && strings.Contains(a, "p"):
				return "wait -p assigns a variable"
			case name == "hash" && strings.HasPrefix(a, "-") && strings.Contains(a, "p"):
				return "hash -p changes what a command name runs"
			case name == "jobs" && strings.HasPrefix(a, "-") && strings.Contains(a, "x"):
				return "jobs -x runs a command"
			}
		}
	case "exit", "return", "shift", "break", "continue":
		for _, a := range args {
			if strings.Trim(a, "0123456789-") != "" || a == "" {
				return name + " evaluates its argument"
			}
		}
	}
	return ""
}

// setUnknown: the common `set -euo pipefail` and `set -- args` are
// modelled; other options (set -k, set -o with other names) are not.
func setUnknown(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "-" {
			return ""
		}
		if a == "" || len(a) < 2 || (a[0] != '-' && a[0] != '+') {
			return "set " + a + " is not modelled"
		}
		for _, c := range a[1:] {
			switch {
			case c == 'o':
				i++
				if i >= len(args) {
					return "" // set -o lists the options
				}
				switch args[i] {
				case "errexit", "nounset", "pipefail", "xtrace", "verbose", "noglob", "noclobber", "errtrace":
				default:
					return "set -o " + args[i] + " is not modelled"
				}
			case strings.ContainsRune("euxvfCE", c):
			default:
				return "set -" + string(c) + " is not modelled"
			}
		}
	}
	return ""
}
