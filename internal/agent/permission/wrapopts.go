package permission

import (
	"path/filepath"
	"strings"
)

// optSpec describes a wrapper's own options, getopt style with option
// parsing stopping at the first operand (the wrapped command), as the
// GNU tools do with "+" in their option strings.
type optSpec struct {
	flags    string          // short options without a value
	values   string          // short options with a value (-n 5, -n5)
	optional string          // short options with an optional attached value (-i, -i{})
	long     map[string]byte // long options: 'f' flag, 'v' value, 'o' optional (=value only)
	unknown  string          // short options that make the command unknown (env -S)
	permute  bool            // options may also follow operands (script)
}

// opts is what parseOpts saw: each option's last value by its name
// (the letter, or the long name), and the operands.
type opts struct {
	seen     map[string]string
	operands []string
}

func (o opts) has(names ...string) bool {
	for _, n := range names {
		if _, ok := o.seen[n]; ok {
			return true
		}
	}
	return false
}

func (o opts) value(names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := o.seen[n]; ok {
			return v, true
		}
	}
	return "", false
}

// parseOpts reads args with spec; why is set for an option spec does not
// know, a value computed at run time where an option could be, or a
// missing value.
func parseOpts(cmd string, args []string, spec optSpec) (opts, string) {
	o := opts{seen: map[string]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "":
			if len(o.operands) == 0 || spec.permute {
				return o, cmd + " with an argument computed at run time where an option could be"
			}
			o.operands = append(o.operands, a)
			continue
		case a == "--":
			o.operands = append(o.operands, args[i+1:]...)
			return o, ""
		case a == "-" || a[0] != '-':
			o.operands = append(o.operands, a)
			if !spec.permute {
				o.operands = append(o.operands, args[i+1:]...)
				return o, ""
			}
			continue
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			kind, ok := spec.long[name]
			if !ok {
				return o, cmd + " option --" + name + " is not modelled"
			}
			switch {
			case kind == 'f' && hasVal:
				return o, cmd + " option --" + name + " takes no value"
			case kind == 'v' && !hasVal:
				i++
				if i >= len(args) {
					return o, cmd + " option --" + name + " without a value"
				}
				val = args[i]
			}
			o.seen[name] = val
			continue
		}
		// A cluster of short options: -qc CMD, -n5, -oL.
		for j := 1; j < len(a); j++ {
			c := a[j]
			name := string(c)
			switch {
			case strings.IndexByte(spec.unknown, c) >= 0:
				return o, cmd + " -" + name + " is not modelled"
			case strings.IndexByte(spec.flags, c) >= 0:
				o.seen[name] = ""
			case strings.IndexByte(spec.optional, c) >= 0:
				o.seen[name] = a[j+1:]
				j = len(a)
			case strings.IndexByte(spec.values, c) >= 0:
				v := a[j+1:]
				if v == "" {
					i++
					if i >= len(args) {
						return o, cmd + " -" + name + " without a value"
					}
					v = args[i]
				}
				o.seen[name] = v
				j = len(a)
			default:
				return o, cmd + " option -" + name + " is not modelled"
			}
		}
	}
	return o, ""
}

// wrappers maps a command that runs another command (after its own
// options) to what it runs, so a deny rule for rm also catches
// `nice -n 5 rm`, `xargs -L 1 rm` and `flock f -c 'rm x'`, and an allow
// rule must vouch for the wrapped command too.
var wrappers = map[string]func(args []string) (inner, string){
	"command": simple("command", optSpec{flags: "pvV"}),
	"builtin": simple("builtin", optSpec{}),
	"exec":    simple("exec", optSpec{flags: "cl", values: "a"}),
	"nohup":   simple("nohup", optSpec{}),
	"time": simple("time", optSpec{flags: "pavq", values: "fo", long: map[string]byte{
		"format": 'v', "output": 'v', "append": 'f', "verbose": 'f', "portability": 'f', "quiet": 'f'}}),
	"setsid":   simple("setsid", optSpec{flags: "cfw", long: map[string]byte{"ctty": 'f', "fork": 'f', "wait": 'f'}}),
	"unbuffer": simple("unbuffer", optSpec{flags: "p"}),
	"stdbuf": simple("stdbuf", optSpec{values: "ioe", long: map[string]byte{
		"input": 'v', "output": 'v', "error": 'v'}}),
	"doas": simple("doas", optSpec{flags: "nL", values: "u", unknown: "sC"}),
	"nice": func(args []string) (inner, string) {
		// The old spelling: nice -5 cmd, nice --5 cmd.
		if len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && strings.Trim(args[0], "-0123456789") == "" && strings.Trim(args[0], "-") != "" {
			return command(args[1:]), ""
		}
		return simple("nice", optSpec{values: "n", long: map[string]byte{"adjustment": 'v'}})(args)
	},
	"timeout": func(args []string) (inner, string) {
		o, why := parseOpts("timeout", args, optSpec{flags: "fpv", values: "ks", long: map[string]byte{
			"foreground": 'f', "preserve-status": 'f', "verbose": 'f', "signal": 'v', "kill-after": 'v'}})
		if why != "" {
			return inner{}, why
		}
		return afterOperands("timeout", o.operands, 1)
	},
	"xargs": func(args []string) (inner, string) {
		o, why := parseOpts("xargs", args, optSpec{flags: "0prtx", values: "aEILnPsd", optional: "eil", long: map[string]byte{
			"null": 'f', "arg-file": 'v', "delimiter": 'v', "eof": 'o', "replace": 'o', "max-lines": 'o',
			"max-args": 'v', "interactive": 'f', "no-run-if-empty": 'f', "max-chars": 'v', "verbose": 'f',
			"exit": 'f', "max-procs": 'v', "open-tty": 'f', "process-slot-var": 'v', "show-limits": 'f'}})
		if why != "" {
			return inner{}, why
		}
		cmd := o.operands
		if len(cmd) == 0 {
			cmd = []string{"echo"}
		}
		// xargs appends the words it reads: more words, unknown now.
		return command(append(cmd[:len(cmd):len(cmd)], "")), ""
	},
	"taskset": func(args []string) (inner, string) {
		o, why := parseOpts("taskset", args, optSpec{flags: "acp", long: map[string]byte{"all-tasks": 'f', "cpu-list": 'f', "pid": 'f'}})
		if why != "" {
			return inner{}, why
		}
		if o.has("p", "pid") {
			return inner{}, "" // taskset -p MASK PID changes a running process
		}
		return afterOperands("taskset", o.operands, 1)
	},
	"chrt": func(args []string) (inner, string) {
		o, why := parseOpts("chrt", args, optSpec{flags: "abdefiorRvmp", values: "TPD", long: map[string]byte{
			"all-tasks": 'f', "batch": 'f', "deadline": 'f', "fifo": 'f', "idle": 'f', "other": 'f', "rr": 'f',
			"reset-on-fork": 'f', "verbose": 'f', "max": 'f', "pid": 'f',
			"sched-runtime": 'v', "sched-period": 'v', "sched-deadline": 'v'}})
		if why != "" {
			return inner{}, why
		}
		if o.has("p", "pid", "m", "max") {
			return inner{}, ""
		}
		return afterOperands("chrt", o.operands, 1)
	},
	"ionice": func(args []string) (inner, string) {
		o, why := parseOpts("ionice", args, optSpec{flags: "t", values: "cnpPu", long: map[string]byte{
			"class": 'v', "classdata": 'v', "pid": 'v', "pgid": 'v', "uid": 'v', "ignore": 'f'}})
		if why != "" {
			return inner{}, why
		}
		if o.has("p", "pid", "P", "pgid", "u", "uid") {
			return inner{}, ""
		}
		return command(o.operands), ""
	},
	"env": func(args []string) (inner, string) {
		o, why := parseOpts("env", args, optSpec{flags: "i0v", values: "uC", unknown: "SP", long: map[string]byte{
			"ignore-environment": 'f', "null": 'f', "unset": 'v', "chdir": 'v', "debug": 'f',
			"ignore-signal": 'o', "default-signal": 'o', "block-signal": 'o', "list-signal-handling": 'f'}})
		if why != "" {
			return inner{}, why
		}
		cmd := o.operands
		if len(cmd) > 0 && cmd[0] == "-" {
			cmd = cmd[1:]
		}
		for len(cmd) > 0 && strings.Contains(cmd[0], "=") {
			if name, _, _ := strings.Cut(cmd[0], "="); dangerousVar(name) {
				return inner{}, "env " + name + "=… makes bash run code"
			}
			cmd = cmd[1:]
		}
		if len(cmd) > 0 && cmd[0] == "" {
			return inner{}, "env with a word computed at run time where an assignment could be"
		}
		return command(cmd), ""
	},
	"sudo": func(args []string) (inner, string) {
		o, why := parseOpts("sudo", args, optSpec{flags: "AbEHkNnPSB", values: "ugCDprtTUR", unknown: "sielvVKh", long: map[string]byte{
			"user": 'v', "group": 'v', "preserve-env": 'o', "set-home": 'f', "non-interactive": 'f', "stdin": 'f',
			"askpass": 'f', "background": 'f', "close-from": 'v', "chdir": 'v', "chroot": 'v', "prompt": 'v',
			"role": 'v', "type": 'v', "command-timeout": 'v', "other-user": 'v', "preserve-groups": 'f',
			"reset-timestamp": 'f', "bell": 'f'}})
		if why != "" {
			return inner{}, why
		}
		cmd := o.operands
		for len(cmd) > 0 && strings.Contains(cmd[0], "=") {
			if name, _, _ := strings.Cut(cmd[0], "="); dangerousVar(name) {
				return inner{}, "sudo " + name + "=… makes bash run code"
			}
			cmd = cmd[1:]
		}
		if len(cmd) == 0 {
			return inner{}, "sudo without a command is not modelled"
		}
		return command(cmd), ""
	},
	"busybox": func(args []string) (inner, string) {
		if len(args) > 0 && strings.HasPrefix(args[0], "-") {
			return inner{}, "busybox " + args[0] + " is not modelled"
		}
		return command(args), ""
	},
	"flock": func(args []string) (inner, string) {
		o, why := parseOpts("flock", args, optSpec{flags: "sxenouF", values: "wEc", long: map[string]byte{
			"shared": 'f', "exclusive": 'f', "unlock": 'f', "nonblock": 'f', "nb": 'f', "close": 'f',
			"no-fork": 'f', "verbose": 'f', "timeout": 'v', "wait": 'v', "conflict-exit-code": 'v', "command": 'v'}})
		if why != "" {
			return inner{}, why
		}
		if s, ok := o.value("c", "command"); ok {
			return script(s), ""
		}
		rest := o.operands
		if len(rest) < 2 {
			return inner{}, "" // flock FD: no command
		}
		if rest[1] == "-c" || rest[1] == "--command" {
			if len(rest) < 3 {
				return inner{}, "flock -c without a command"
			}
			return script(rest[2]), ""
		}
		return command(rest[1:]), ""
	},
	"script": func(args []string) (inner, string) {
		o, why := parseOpts("script", args, optSpec{flags: "aefqkh", values: "cEIOBTmo", optional: "t", permute: true, long: map[string]byte{
			"append": 'f', "command": 'v', "echo": 'v', "return": 'f', "flush": 'f', "force": 'f',
			"log-in": 'v', "log-out": 'v', "log-io": 'v', "log-timing": 'v', "logging-format": 'v',
			"output-limit": 'v', "quiet": 'f', "timing": 'o'}})
		if why != "" {
			return inner{}, why
		}
		if s, ok := o.value("c", "command"); ok {
			return script(s), ""
		}
		return inner{}, "script without -c runs a shell reading the terminal"
	},
	"watch": func(args []string) (inner, string) {
		o, why := parseOpts("watch", args, optSpec{flags: "bcCegptwxr", values: "nq", optional: "d", long: map[string]byte{
			"beep": 'f', "color": 'f', "no-color": 'f', "errexit": 'f', "chgexit": 'f', "precise": 'f',
			"no-title": 'f', "no-wrap": 'f', "exec": 'f', "interval": 'v', "differences": 'o', "no-linewrap": 'f'}})
		if why != "" {
			return inner{}, why
		}
		if o.has("x", "exec") {
			return command(o.operands), ""
		}
		// watch hands its words, joined, to sh -c.
		for _, w := range o.operands {
			if w == "" {
				return inner{}, "watch runs a script computed at run time"
			}
		}
		return script(strings.Join(o.operands, " ")), ""
	},
}

// simple is a wrapper whose operands are the command it runs.
func simple(name string, spec optSpec) func([]string) (inner, string) {
	return func(args []string) (inner, string) {
		o, why := parseOpts(name, args, spec)
		if why != "" {
			return inner{}, why
		}
		return command(o.operands), ""
	}
}

// afterOperands is the command after skip leading operands (timeout's
// duration, taskset's mask, chrt's priority).
func afterOperands(name string, operands []string, skip int) (inner, string) {
	if len(operands) <= skip {
		return inner{}, ""
	}
	for _, w := range operands[:skip] {
		if w == "" {
			return inner{}, name + " with an argument computed at run time"
		}
	}
	return command(operands[skip:]), ""
}

// normalize reduces a command name to its base name (/bin/rm → rm), as
// deny rules see it.
func normalize(words []string) []string {
	if len(words) > 0 && words[0] != "" && strings.Contains(words[0], "/") {
		return append([]string{filepath.Base(words[0])}, words[1:]...)
	}
	return words
}
