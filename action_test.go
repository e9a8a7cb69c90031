// Package action tests the GitHub Action (action.yml) at the repository
// root: its shell steps run with bash in a simulated runner environment
// (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH, the OIDC request
// variables pointing at internal/oidctest) against the Anthropic stand-in,
// with this test binary as `hermes` on PATH instead of `go install`.
package action

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// TestMain runs this binary as hermes when a step invokes it (hermestest).
func TestMain(m *testing.M) { hermestest.Main(m) }

type actionFile struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Branding    any    `json:"branding"`
	Inputs      map[string]struct {
		Description string `json:"description"`
		Required    bool   `json:"required"`
		Default     string `json:"default"`
	} `json:"inputs"`
	Outputs map[string]struct {
		Description string `json:"description"`
		Value       string `json:"value"`
	} `json:"outputs"`
	Runs struct {
		Using string `json:"using"`
		Steps []step `json:"steps"`
	} `json:"runs"`
}

type step struct {
	Name  string            `json:"name"`
	ID    string            `json:"id"`
	Uses  string            `json:"uses"`
	With  map[string]string `json:"with"`
	Shell string            `json:"shell"`
	Env   map[string]string `json:"env"`
	Run   string            `json:"run"`
}

func loadAction(t *testing.T) actionFile {
	t.Helper()
	b, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.UnmarshalStrict(b, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return a
}

func TestActionInputs(t *testing.T) {
	t.Parallel()
	a := loadAction(t)
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using %q", a.Runs.Using)
	}
	for _, in := range []string{"federation-rule-id", "organization-id", "service-account-id", "workspace-id", "prompt", "prompt-file", "model", "allowed-tools", "permission-mode", "version", "tools"} {
		if _, ok := a.Inputs[in]; !ok {
			t.Errorf("input %s missing", in)
		}
	}
	if a.Outputs["result"].Value != "${{ steps.run.outputs.result }}" {
		t.Errorf("output result: %q", a.Outputs["result"].Value)
	}
	for _, s := range a.Runs.Steps {
		// Inputs reach scripts through env only: ${{ }} inside a script is
		// a shell injection.
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %q interpolates an expression into its script", s.Name)
		}
		if s.ID == "install" && !strings.Contains(s.Run, `go install "github.com/hermes-agent/hermes/cmd/hermes@$HERMES_VERSION"`) {
			t.Errorf("install step does not go install the requested version")
		}
	}
}

// runner simulates a GitHub runner around the action's run steps.
type runner struct {
	t              *testing.T
	dir, bin       string
	summary, gpath string
	inputs         map[string]string
	baseEnv        []string
	cacheHit       bool                         // what actions/cache reports
	steps          map[string]map[string]string // outputs by step id
	goCalls        string                       // the fake go's log
	latest         string                       // what `go list -m ...@latest` answers
	installFails   bool
}

var exprRE = regexp.MustCompile(`\$\{\{\s*([a-z_.-]+)\s*\}\}`)

// fakeGo stands in for the Go toolchain: `go list -m -f {{.Version}} M@V`
// answers $FAKE_GO_LATEST for latest and V otherwise, and `go install
// M@V` links this test binary (which runs as hermes) into $GOBIN. Every
// call is logged, so tests see what was installed and when nothing was.
const fakeGo = `#!/bin/bash
echo "$*" >> "$FAKE_GO_LOG"
case "$1" in
list) v=${@: -1}; v=${v##*@}; [ "$v" = latest ] && v=$FAKE_GO_LATEST; echo "$v" ;;
install) [ -z "$FAKE_GO_FAIL" ] || { echo "go: module not found" >&2; exit 1; }
  [ "$CGO_ENABLED" = 0 ] || { echo "CGO_ENABLED=$CGO_ENABLED" >&2; exit 1; }
  ln -s "$FAKE_HERMES" "$GOBIN/hermes" ;;
*) exit 2 ;;
esac
`

func newRunner(t *testing.T, iss *oidctest.Issuer, api *anthropictest.Server, inputs map[string]string) *runner {
	t.Helper()
	dir := t.TempDir()
	r := &runner{t: t, dir: dir, bin: filepath.Join(dir, "bin"), inputs: inputs, steps: map[string]map[string]string{}, latest: "v0.9.1"}
	os.MkdirAll(r.bin, 0o755)
	if err := os.WriteFile(filepath.Join(r.bin, "go"), []byte(fakeGo), 0o755); err != nil {
		t.Fatal(err)
	}
	r.summary, r.gpath, r.goCalls = filepath.Join(dir, "summary"), filepath.Join(dir, "path"), filepath.Join(dir, "go.log")
	for _, f := range []string{r.summary, r.gpath} {
		os.WriteFile(f, nil, 0o600)
	}
	ghaURL, ghaToken := iss.GitHubActions()
	r.baseEnv = hermestest.Env(
		"HOME="+filepath.Join(dir, "home"),
		"RUNNER_TEMP="+filepath.Join(dir, "tmp"),
		"GITHUB_STEP_SUMMARY="+r.summary,
		"GITHUB_PATH="+r.gpath,
		"ACTIONS_ID_TOKEN_REQUEST_URL="+ghaURL,
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN="+ghaToken,
		"ANTHROPIC_BASE_URL="+api.URL,
		"FAKE_GO_LOG="+r.goCalls,
		"FAKE_HERMES="+hermestest.Binary(t),
	)
	return r
}

// expand evaluates the few expressions the action uses.
func (r *runner) expand(s string) string {
	return exprRE.ReplaceAllStringFunc(s, func(m string) string {
		e := exprRE.FindStringSubmatch(m)[1]
		switch {
		case strings.HasPrefix(e, "inputs."):
			return r.inputs[strings.TrimPrefix(e, "inputs.")]
		case e == "runner.temp":
			return filepath.Join(r.dir, "tmp")
		case e == "runner.tool_cache":
			return filepath.Join(r.dir, "tool_cache")
		case e == "steps.cache.outputs.cache-hit":
			if r.cacheHit {
				return "true"
			}
			return "false"
		case strings.HasPrefix(e, "steps."):
			id, out, _ := strings.Cut(strings.TrimPrefix(e, "steps."), ".outputs.")
			return r.steps[id][out]
		}
		r.t.Fatalf("unsupported expression %s", m)
		return ""
	})
}

// path is the step's PATH: the runner's, with what earlier steps added
// to GITHUB_PATH in front (newest first), as GitHub does.
func (r *runner) path() string {
	p := r.bin + ":/usr/bin:/bin"
	for _, l := range strings.Split(strings.TrimSpace(r.file(r.gpath)), "\n") {
		if l != "" {
			p = l + ":" + p
		}
	}
	return p
}

// run runs every bash step (the uses: steps are the runner's business) and
// returns the exit code of the first failing step, or 0.
func (r *runner) run(a actionFile) (code int, log string) {
	for name, in := range a.Inputs {
		if _, set := r.inputs[name]; !set {
			r.inputs[name] = in.Default
		}
	}
	var out strings.Builder
	for i, s := range a.Runs.Steps {
		if s.Uses != "" {
			continue
		}
		if s.Shell != "bash" {
			r.t.Fatalf("step %q: shell %q", s.Name, s.Shell)
		}
		output := filepath.Join(r.dir, fmt.Sprintf("output-%d", i))
		os.WriteFile(output, nil, 0o600)
		// GitHub's bash: bash --noprofile --norc -eo pipefail {0}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", s.Run)
		cmd.Dir = r.dir
		cmd.Env = append([]string(nil), r.baseEnv...)
		cmd.Env = append(cmd.Env, "PATH="+r.path(), "GITHUB_OUTPUT="+output, "FAKE_GO_LATEST="+r.latest)
		if r.installFails {
			cmd.Env = append(cmd.Env, "FAKE_GO_FAIL=1")
		}
		for k, v := range s.Env {
			cmd.Env = append(cmd.Env, k+"="+r.expand(v))
		}
		b, err := cmd.CombinedOutput()
		out.Write(b)
		r.steps[s.ID] = parseOutputs(r.file(output))
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode(), out.String()
			}
			r.t.Fatal(err)
		}
	}
	return 0, out.String()
}

func (r *runner) file(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

// outputs are the action's outputs: the run step's.
func (r *runner) outputs() map[string]string { return r.steps["run"] }

// parseOutputs parses a GITHUB_OUTPUT file: name=value lines and
// name<<DELIM blocks.
func parseOutputs(file string) map[string]string {
	out := map[string]string{}
	lines := strings.Split(file, "\n")
	for i := 0; i < len(lines); i++ {
		if name, delim, ok := strings.Cut(lines[i], "<<"); ok {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			out[name] = strings.Join(val, "\n")
		} else if name, val, ok := strings.Cut(lines[i], "="); ok {
			out[name] = val
		}
	}
	return out
}

// actionWorld is every Action test's start: bash (the steps are bash),
// the parsed action.yml, and a fresh GitHub OIDC issuer and API stand-in.
func actionWorld(t *testing.T) (actionFile, *oidctest.Issuer, *anthropictest.Server) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	iss := oidctest.New(t)
	return loadAction(t), iss, anthropictest.New(t, anthropictest.Config{Issuer: iss})
}

func TestActionRunsPromptWithWIF(t *testing.T) {
	t.Parallel()
	a, iss, api := actionWorld(t)
	r := newRunner(t, iss, api, map[string]string{
		"federation-rule-id": anthropictest.DefaultRuleID,
		"organization-id":    anthropictest.DefaultOrgID,
		"prompt":             "Summarise the failing tests",
		"prompt-file":        "test-output.txt",
	})
	os.WriteFile(filepath.Join(r.dir, "test-output.txt"), []byte("FAIL TestParse\n"), 0o600)
	code, log := r.run(a)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	// The stand-in answers "echo: " + the last text block.
	result := r.outputs()["result"]
	if !strings.HasPrefix(result, "echo: ") {
		t.Errorf("result output %q is not the answer", result)
	}
	summary := r.file(r.summary)
	if !strings.HasPrefix(summary, "### hermes\n") || !strings.Contains(summary, strings.TrimSpace(result)) {
		t.Errorf("summary %q does not hold the answer %q", summary, result)
	}
	msgs := api.MessageRequests()
	if len(msgs) != 1 {
		t.Fatalf("%d message requests", len(msgs))
	}
	if sent := string(msgs[0].Raw); !strings.Contains(sent, "Summarise the failing tests") || !strings.Contains(sent, "FAIL TestParse") {
		t.Errorf("the prompt and the piped file did not both reach the API: %s", sent)
	}
	reqs := iss.EndpointRequests()
	if len(reqs) == 0 || reqs[0].Route != "github-actions" || reqs[0].Audience != oidctest.DefaultAudience {
		t.Errorf("hermes did not ask GitHub for a JWT with the Anthropic audience: %+v", reqs)
	}
	for _, s := range api.Secrets() {
		if strings.Contains(log+summary+fmt.Sprint(r.steps), s) {
			t.Error("a secret reached the job log, summary or outputs")
		}
	}
}

// A refused exchange fails the step with hermes's own exit code (4:
// authentication), and the summary says so.
func TestActionFailsWithHermesExitCode(t *testing.T) {
	t.Parallel()
	a, iss, api := actionWorld(t)
	r := newRunner(t, iss, api, map[string]string{
		"federation-rule-id": "fdrl_01NotTheRule",
		"organization-id":    anthropictest.DefaultOrgID,
		"prompt":             "hello",
	})
	code, log := r.run(a)
	if code != 4 {
		t.Fatalf("exit %d, want 4 (authentication):\n%s", code, log)
	}
	if testing.Verbose() {
		t.Log(log)
	}
	if s := r.file(r.summary); !strings.HasPrefix(s, "### hermes failed (exit 4)") {
		t.Errorf("summary: %q", s)
	}
	if _, ok := r.outputs()["result"]; !ok {
		t.Error("no result output on failure")
	}

	// Without a prompt: a usage error before anything runs.
	r = newRunner(t, iss, api, map[string]string{"federation-rule-id": anthropictest.DefaultRuleID, "organization-id": anthropictest.DefaultOrgID})
	if code, log := r.run(a); code != 2 || !strings.Contains(log, "set prompt, prompt-file or both") {
		t.Errorf("no prompt: exit %d\n%s", code, log)
	}
}

// The install step go-installs the version the resolve step pinned
// ("latest" becomes the newest release, so the cache key is never a stale
// "latest"), puts it on PATH, and on a cache hit installs nothing.
func TestActionInstallsResolvedVersionOnce(t *testing.T) {
	t.Parallel()
	a, iss, api := actionWorld(t)
	r := newRunner(t, iss, api, map[string]string{
		"federation-rule-id": anthropictest.DefaultRuleID,
		"organization-id":    anthropictest.DefaultOrgID,
		"prompt":             "hello",
	})
	if code, log := r.run(a); code != 0 {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	if v := r.steps["version"]["version"]; v != "v0.9.1" {
		t.Errorf("version latest resolved to %q, want v0.9.1", v)
	}
	calls := r.file(r.goCalls)
	if !strings.Contains(calls, "list -m -f {{.Version}} github.com/hermes-agent/hermes@latest\n") ||
		!strings.Contains(calls, "install github.com/hermes-agent/hermes/cmd/hermes@v0.9.1\n") {
		t.Errorf("go calls:\n%s", calls)
	}
	bin := filepath.Join(r.dir, "tool_cache", "hermes", "v0.9.1")
	if strings.TrimSpace(r.file(r.gpath)) != bin {
		t.Errorf("GITHUB_PATH %q, want %s", r.file(r.gpath), bin)
	}
	if !strings.HasPrefix(r.outputs()["result"], "echo: ") {
		t.Errorf("the installed hermes did not answer: %q", r.outputs()["result"])
	}

	// The cache restored the binary: nothing is installed again.
	r.cacheHit = true
	os.WriteFile(r.goCalls, nil, 0o600)
	os.WriteFile(r.gpath, nil, 0o600)
	if code, log := r.run(a); code != 0 {
		t.Fatalf("cached run: exit %d:\n%s", code, log)
	}
	if calls := r.file(r.goCalls); strings.Contains(calls, "install") {
		t.Errorf("installed again on a cache hit:\n%s", calls)
	}

	// A pinned version is used as is; a failed install fails the action
	// before any prompt is sent.
	r = newRunner(t, iss, api, map[string]string{"federation-rule-id": anthropictest.DefaultRuleID,
		"organization-id": anthropictest.DefaultOrgID, "prompt": "hello", "version": "v0.3.0"})
	r.installFails = true
	sent := len(api.MessageRequests())
	if code, log := r.run(a); code == 0 || !strings.Contains(log, "module not found") {
		t.Errorf("failed install: exit %d\n%s", code, log)
	}
	if calls := r.file(r.goCalls); strings.Contains(calls, "list") || !strings.Contains(calls, "cmd/hermes@v0.3.0") {
		t.Errorf("pinned version: go calls:\n%s", calls)
	}
	if len(api.MessageRequests()) != sent {
		t.Error("a prompt was sent after the install failed")
	}
}

// The tools, model and permission inputs reach hermes: the request carries
// the model and the tool definitions; a bad permission mode is hermes's
// usage error (exit 2); permission inputs without tools get a warning.
func TestActionPassesToolsModelAndPermissions(t *testing.T) {
	t.Parallel()
	a, iss, api := actionWorld(t)
	base := map[string]string{"federation-rule-id": anthropictest.DefaultRuleID, "organization-id": anthropictest.DefaultOrgID, "prompt": "look around"}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	r := newRunner(t, iss, api, with("tools", "read_file,grep", "allowed-tools", "read_file,grep", "permission-mode", "plan", "model", "claude-haiku-5-5"))
	if code, log := r.run(a); code != 0 {
		t.Fatalf("exit %d:\n%s", code, log)
	}
	msgs := api.MessageRequests()
	sent := string(msgs[len(msgs)-1].Raw)
	for _, want := range []string{`"model":"claude-haiku-5-5"`, `"name":"read_file"`, `"name":"grep"`} {
		if !strings.Contains(sent, want) {
			t.Errorf("request lacks %s: %s", want, sent)
		}
	}
	r = newRunner(t, iss, api, with("tools", "read_file", "permission-mode", "askEveryone"))
	if code, log := r.run(a); code != 2 || !strings.Contains(log, "askEveryone") {
		t.Errorf("bad permission mode: exit %d\n%s", code, log)
	}
	r = newRunner(t, iss, api, with("allowed-tools", "read_file"))
	if code, log := r.run(a); code != 0 || !strings.Contains(log, "::warning::allowed-tools and permission-mode only matter with tools") {
		t.Errorf("allowed-tools without tools: exit %d\n%s", code, log)
	}
}

// Issue 22 §5: the model's answer cannot issue workflow commands. Lines
// such as ::add-mask:: or ::set-output:: in it reach the log inside a
// ::stop-commands:: pause whose token the answer cannot know.
func TestActionAnswerCannotIssueWorkflowCommands(t *testing.T) {
	t.Parallel()
	a, iss, api := actionWorld(t)
	injected := "::add-mask::SENTINEL\n::set-output name=evil::pwned\n::warning::injected\n::error::injected"
	var pauses []string
	for range 2 {
		r := newRunner(t, iss, api, map[string]string{
			"federation-rule-id": anthropictest.DefaultRuleID,
			"organization-id":    anthropictest.DefaultOrgID,
			"prompt":             "repeat after me\n" + injected,
		})
		code, log := r.run(a)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, log)
		}
		if !strings.Contains(log, "\n::set-output name=evil::pwned\n") {
			t.Fatalf("the stand-in's answer did not carry the command lines to the log:\n%s", log)
		}
		cmds, pause := workflowCommands(log)
		for _, c := range cmds {
			if strings.Contains(c, "SENTINEL") || strings.Contains(c, "evil") || strings.Contains(c, "injected") {
				t.Errorf("the answer issued a workflow command: %s\n%s", c, log)
			}
		}
		if pause == "" || strings.Contains(injected, pause) {
			t.Errorf("no ::stop-commands:: pause around the answer:\n%s", log)
		}
		pauses = append(pauses, pause)
	}
	if pauses[0] == pauses[1] {
		t.Errorf("the pause token %q is the same in two runs: an answer could guess it", pauses[0])
	}
}

// workflowCommands is what the runner would act on in log: the command
// lines outside ::stop-commands::TOKEN … ::TOKEN:: pauses, and the last
// pause token seen.
func workflowCommands(log string) (cmds []string, lastPause string) {
	pause := ""
	for _, l := range strings.Split(log, "\n") {
		switch {
		case pause != "":
			if l == "::"+pause+"::" {
				pause = ""
			}
		case strings.HasPrefix(l, "::stop-commands::"):
			pause = strings.TrimPrefix(l, "::stop-commands::")
			lastPause = pause
		case strings.HasPrefix(l, "::"):
			cmds = append(cmds, l)
		}
	}
	return cmds, lastPause
}
