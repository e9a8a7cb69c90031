package mcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/secret"
)

// InlineFlags is --mcp-config values as they can travel to another
// machine (a Kubernetes pod): each file's content, as written (a ${VAR}
// is expanded where it runs), becomes inline JSON; JSON stays as given.
// It returns the servers named too. A header holding a literal value
// (not a ${VAR}) is refused: it may be a token, and the manifest would
// carry it in the clear.
func InlineFlags(values []string) ([]string, []Server, error) {
	var out []string
	var servers []Server
	for _, v := range values {
		data := []byte(v)
		src := "--mcp-config JSON"
		if !strings.HasPrefix(strings.TrimSpace(v), "{") {
			var err error
			if data, err = fsutil.ReadFileLimited(v, maxConfigBytes); err != nil {
				return nil, nil, fmt.Errorf("--mcp-config %s: %w", v, err)
			}
			src = v
		}
		f, err := ParseFile(data, src)
		if err != nil {
			return nil, nil, err
		}
		for _, name := range slices.Sorted(maps.Keys(f.MCPServers)) {
			e := f.MCPServers[name]
			for _, h := range slices.Sorted(maps.Keys(e.Headers)) {
				if !isReference(e.Headers[h]) {
					return nil, nil, fmt.Errorf("%s: MCP server %s's header %s is a literal value, which the manifest would carry in the clear: write it as ${VAR} and give the pod VAR (from a Secret)", src, name, h)
				}
			}
			for _, k := range slices.Sorted(maps.Keys(e.Env)) {
				if secretLiteral(k, e.Env[k]) {
					return nil, nil, fmt.Errorf("%s: MCP server %s's env %s looks like a secret written as a literal value, which the manifest would carry in the clear: write it as ${VAR} and give the pod VAR (from a Secret)", src, name, k)
				}
			}
			servers = append(servers, Server{Name: name, Scope: ScopeFlag, Entry: e})
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", src, err)
		}
		out = append(out, compact.String())
	}
	return out, servers, nil
}

// LiteralSecret names the first header of e holding a literal value (not
// a ${VAR}) or env variable holding a secret written out, "" when none:
// what must not go into a file others read (a repository's .mcp.json,
// a manifest).
func LiteralSecret(e Entry) string {
	for _, h := range slices.Sorted(maps.Keys(e.Headers)) {
		if !isReference(e.Headers[h]) {
			return "header " + h
		}
	}
	for _, k := range slices.Sorted(maps.Keys(e.Env)) {
		if secretLiteral(k, e.Env[k]) {
			return "env " + k
		}
	}
	return ""
}

// RedactFlags is --mcp-config values to show (cron list --json): inline
// JSON with each header value that is not a ${VAR} masked; a file path
// as it is.
func RedactFlags(values []string) []string {
	var out []string
	for _, v := range values {
		f, err := ParseFile([]byte(v), "")
		if !strings.HasPrefix(strings.TrimSpace(v), "{") || err != nil {
			out = append(out, v)
			continue
		}
		for name, e := range f.MCPServers {
			for h, hv := range e.Headers {
				if !isReference(hv) {
					e.Headers[h] = "[redacted]"
				}
			}
			for k, v := range e.Env {
				if secretLiteral(k, v) {
					e.Env[k] = "[redacted]"
				}
			}
			f.MCPServers[name] = e
		}
		data, _ := json.Marshal(f)
		out = append(out, string(data))
	}
	return out
}

// secretWords in an env variable's name say its value is a secret.
var secretWords = []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL", "AUTH", "PAT"}

// secretLiteral reports whether the env value v of variable k is a secret
// written out (not a ${VAR}): its name says so (GITHUB_PERSONAL_ACCESS_TOKEN,
// DB_PASSWORD) or it has a known key shape. A stdio server's token
// usually arrives in its env, as a remote one's in a header.
func secretLiteral(k, v string) bool {
	if isReference(v) || v == "" {
		return false
	}
	up := strings.ToUpper(k)
	for _, w := range secretWords {
		if strings.Contains(up, w) {
			return true
		}
	}
	return secret.RedactShapes(v) != v
}

// isReference reports whether v is only a ${VAR} (or ${VAR:-default})
// reference, possibly after a scheme word ("Bearer ${TOKEN}").
func isReference(v string) bool {
	v = strings.TrimSpace(v)
	if _, rest, ok := strings.Cut(v, " "); ok && !strings.HasPrefix(v, "${") {
		v = strings.TrimSpace(rest)
	}
	return strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}") && strings.Count(v, "${") == 1
}
