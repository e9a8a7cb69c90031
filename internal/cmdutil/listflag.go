package cmdutil

import (
	"strings"

	"github.com/spf13/pflag"
)

// appendList is a string-list flag value that appends on every use. Unlike
// pflag's StringArray, whose first use replaces the list, several names
// bound to one list (--disallowed-tools and Claude Code's
// --disallowedTools) add up instead of one silently dropping the other.
type appendList struct{ p *[]string }

func (v appendList) Set(s string) error { *v.p = append(*v.p, s); return nil }
func (v appendList) String() string     { return strings.Join(*v.p, " ") }
func (v appendList) Type() string       { return "stringArray" }

// GetSlice is pflag's SliceValue view: the values as given, one per use.
func (v appendList) GetSlice() []string { return *v.p }

// ListFlag defines a repeatable string-list flag on fl, under name and
// hidden aliases, all appending to p (values are kept as given).
func ListFlag(fl *pflag.FlagSet, p *[]string, name, usage string, aliases ...string) {
	fl.Var(appendList{p}, name, usage)
	for _, a := range aliases {
		fl.Var(appendList{p}, a, usage)
		fl.MarkHidden(a)
	}
}
