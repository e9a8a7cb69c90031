package scripttest

import (
	"bufio"
	"encoding/json"
	"fmt"

	"os/exec"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdACPPrompt: acpprompt TEXT [FLAG...] — runs `hermes acp FLAG...` as an
// editor does, one request at a time (initialize, session/new in $WORK,
// session/prompt TEXT), then closes its stdin and waits for it to exit.
// stdout is every protocol line hermes wrote, stderr its stderr. A script
// cannot do this with stdin alone: requests are answered concurrently, and
// the prompt needs the id session/new returns. With !, hermes must exit
// non-zero. $ACP_MCP_SERVERS, when set, is session/new's mcpServers (a
// JSON array), as an editor sends its MCP servers.
func cmdACPPrompt(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: acpprompt TEXT [FLAG...]")
	}
	// The script's environment, as `env` prints it (values are one line).
	ts.Check(ts.Exec("env"))
	env := strings.Split(strings.TrimRight(ts.ReadFile("stdout"), "\n"), "\n")
	path, err := lookIn(ts.Getenv("PATH"), "hermes")
	ts.Check(err)
	cmd := exec.Command(path, append([]string{"acp"}, args[1:]...)...)
	cmd.Env = env
	cmd.Dir = ts.Getenv("WORK")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	ts.Check(err)
	stdoutPipe, err := cmd.StdoutPipe()
	ts.Check(err)
	ts.Check(cmd.Start())
	var out strings.Builder
	lines := bufio.NewScanner(stdoutPipe)
	lines.Buffer(make([]byte, 0, 64<<10), 16<<20)
	// call sends one request and reads lines until its response.
	call := func(id int, method string, params any) map[string]any {
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
		if _, err := stdin.Write(append(b, '\n')); err != nil {
			return nil
		}
		for lines.Scan() {
			out.WriteString(lines.Text() + "\n")
			var m map[string]any
			if json.Unmarshal(lines.Bytes(), &m) == nil && m["method"] == nil && m["id"] == float64(id) {
				return m
			}
		}
		return nil
	}
	done := make(chan struct{})
	timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	go func() {
		defer close(done)
		call(1, "initialize", map[string]any{"protocolVersion": 1, "clientCapabilities": map[string]any{}})
		var servers any = []any{}
		if v := ts.Getenv("ACP_MCP_SERVERS"); v != "" {
			ts.Check(json.Unmarshal([]byte(v), &servers))
		}
		res := call(2, "session/new", map[string]any{"cwd": ts.Getenv("WORK"), "mcpServers": servers})
		if r, ok := res["result"].(map[string]any); ok {
			call(3, "session/prompt", map[string]any{"sessionId": r["sessionId"], "prompt": []any{map[string]any{"type": "text", "text": args[0]}}})
		}
		stdin.Close()
		for lines.Scan() {
			out.WriteString(lines.Text() + "\n")
		}
	}()
	<-done
	waitErr := cmd.Wait()
	fmt.Fprint(ts.Stdout(), out.String())
	fmt.Fprint(ts.Stderr(), stderr.String())
	switch {
	case waitErr != nil && !neg:
		ts.Fatalf("hermes acp: %v", waitErr)
	case waitErr == nil && neg:
		ts.Fatalf("hermes acp succeeded unexpectedly")
	}
}

// lookIn finds name in a PATH list.
func lookIn(pathList, name string) (string, error) {
	for _, dir := range strings.Split(pathList, ":") {
		p := dir + "/" + name
		if _, err := exec.LookPath(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found in PATH", name)
}
