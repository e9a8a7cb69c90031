package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 11 item 9: a hard link in the work dir to a file *inside* a
// protected directory (auth.json, a WIF cache entry, gateway.key, the SDK's
// credentials/*.json, Claude Code's credentials file) is refused by every
// file tool; a file created in the store after the agent started counts
// too. Hard links elsewhere (pnpm's node_modules) still work.
func TestFileToolsRefuseHardLinksIntoStores(t *testing.T) {
	t.Parallel()
	w := newCredWorld(t)
	claude := filepath.Join(w.work, ".claude")
	write(t, filepath.Join(claude, ".credentials.json"), `{"claudeAiOauth":{"accessToken":"sk-ant-oat01-STOREDoauth"}}`)
	a := toolAgent(t, w.work, Config{PermissionMode: ModeBypassPermissions, Protected: []string{w.home, w.sdk, w.token, filepath.Join(claude, ".credentials.json")}})
	// Created after the agent: the walk happens at open time.
	write(t, filepath.Join(w.home, "cache", "wif", "later.json"), `{"access_token":"`+storedKey+`"}`)
	links := map[string]string{
		"auth-copy.json": filepath.Join(w.home, "auth.json"),
		"cache.json":     filepath.Join(w.home, "cache", "wif", "k.json"),
		"later.json":     filepath.Join(w.home, "cache", "wif", "later.json"),
		"gw.txt":         filepath.Join(w.home, "gateway.key"),
		"sdk.json":       filepath.Join(w.sdk, "credentials", "default.json"),
		"claude.json":    filepath.Join(claude, ".credentials.json"),
	}
	for name, target := range links {
		if err := os.Link(target, filepath.Join(w.work, "sub", name)); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range links {
		p := "sub/" + name
		before, _ := os.ReadFile(target)
		assertRefused(t, "read_file "+p, a.readPath(p))
		assertRefused(t, "edit_file "+p, call(t, a, ToolEditFile, map[string]any{"path": p, "old_string": "S", "new_string": "X"}))
		assertRefused(t, "write_file "+p, call(t, a, ToolWriteFile, map[string]any{"path": p, "content": "pwned"}))
		if after, _ := os.ReadFile(target); string(after) != string(before) {
			t.Errorf("%s changed through %s", target, p)
		}
	}
	r := call(t, a, ToolGrep, map[string]any{"pattern": "STORED|hgw_|access_token", "path": "sub"})
	if strings.Contains(r.content, "STORED") || strings.Contains(r.content, "hgw_") || strings.Contains(r.content, "access_token") {
		t.Errorf("grep read a hard link into a store: %q", r.content)
	}

	// Ordinary hard links (pnpm's store) are files like any other.
	write(t, filepath.Join(w.work, "store", "index.js"), "module.exports = 1")
	os.MkdirAll(filepath.Join(w.work, "node_modules", "x"), 0o700)
	if err := os.Link(filepath.Join(w.work, "store", "index.js"), filepath.Join(w.work, "node_modules", "x", "index.js")); err != nil {
		t.Fatal(err)
	}
	if r := a.readPath("node_modules/x/index.js"); r.isError || r.content != "module.exports = 1" {
		t.Errorf("read an ordinary hard link = %+v", r)
	}
	if r := call(t, a, ToolGrep, map[string]any{"pattern": "exports", "path": "node_modules"}); r.isError || !strings.Contains(r.content, "index.js") {
		t.Errorf("grep an ordinary hard link = %+v", r)
	}
}
