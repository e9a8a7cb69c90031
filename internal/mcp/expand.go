package mcp

import (
	"fmt"
	"os"
	"strings"

	"github.com/hermes-agent/hermes/internal/credential"
)

// expandEntry expands ${VAR} and ${VAR:-default} in the command, args,
// env values, url and headers, as Claude Code does. A variable that is
// not set and has no default is an error (the server is skipped, said
// once). A credential variable is never expanded: a server file must not
// be a way to hand the Anthropic credential to a server.
func expandEntry(e Entry, o LoadOptions) (Entry, error) {
	get := o.Getenv
	if get == nil {
		get = os.LookupEnv
	}
	var firstErr error
	x := func(s string) string {
		out, err := expand(s, get, o.Protected)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return out
	}
	out := e
	out.Command = x(e.Command)
	out.URL = x(e.URL)
	out.Args = nil
	for _, a := range e.Args {
		out.Args = append(out.Args, x(a))
	}
	out.Env = expandMap(e.Env, x)
	out.Headers = expandMap(e.Headers, x)
	return out, firstErr
}

func expandMap(m map[string]string, x func(string) string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = x(v)
	}
	return out
}

// expand replaces ${VAR} and ${VAR:-default} in s; anything else ($VAR,
// a lone $) is left as written.
func expand(s string, get func(string) (string, bool), protected []string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		inner := s[i+2 : i+j]
		name, def, hasDef := strings.Cut(inner, ":-")
		if credential.CredentialEnv(name) || containsFold(protected, name) {
			return "", fmt.Errorf("${%s} is a credential variable: hermes never passes it to an MCP server", name)
		}
		v, ok := get(name)
		switch {
		case ok && v != "":
			b.WriteString(v)
		case hasDef:
			b.WriteString(def)
		case ok:
		default:
			return "", fmt.Errorf("${%s} is not set (give a default with ${%s:-value})", name, name)
		}
		s = s[i+j+1:]
	}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if v != "" && strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
