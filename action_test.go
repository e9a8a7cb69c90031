// Package action tests the GitHub Action (action.yml) at the repository
// root: its shell steps run with bash in a simulated runner environment
// (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH, the OIDC request
// variables pointing at internal/oidctest) against the Anthropic stand-in,
// with this test binary as `hermes` on PATH instead of `go install`.
package action

import (
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
	for _, in := range []string{"federation-rule-id", "organization-id", "service-account-id", "workspace-id", "prompt", "prompt-file", "model", "allowed-tools", "permission-mode", "version"} {
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
	t                      *testing.T
	dir, bin               string
	output, summary, gpath string
	inputs                 map[string]string
	baseEnv                []string
}

var exprRE = regexp.MustCompile(`\$\{\{\s*([a-z_.-]+)\s*\}\}`)

func newRunner(t *testing.T, iss *oidctest.Issuer, api *anthropictest.Server, inputs map[string]string) *runner {
	t.Helper()
	dir := t.TempDir()
	r := &runner{t: t, dir: dir, bin: filepath.Join(dir, "bin"), inputs: inputs}
	os.MkdirAll(r.bin, 0o755)
	if err := os.Symlink(hermestest.Binary(t), filepath.Join(r.bin, "hermes")); err != nil {
		t.Fatal(err)
	}
	r.output, r.summary, r.gpath = filepath.Join(dir, "output"), filepath.Join(dir, "summary"), filepath.Join(dir, "path")
	for _, f := range []string{r.output, r.summary, r.gpath} {
		os.WriteFile(f, nil, 0o600)
	}
	ghaURL, ghaToken := iss.GitHubActions()
	r.baseEnv = hermestest.Env(
		"PATH="+r.bin+":/usr/bin:/bin",
		"HOME="+filepath.Join(dir, "home"),
		"RUNNER_TEMP="+filepath.Join(dir, "tmp"),
		"GITHUB_OUTPUT="+r.output,
		"GITHUB_STEP_SUMMARY="+r.summary,
		"GITHUB_PATH="+r.gpath,
		"ACTIONS_ID_TOKEN_REQUEST_URL="+ghaURL,
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN="+ghaToken,
		"ANTHROPIC_BASE_URL="+api.URL,
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
		}
		r.t.Fatalf("unsupported expression %s", m)
		return ""
	})
}

// run runs every bash step but the install one (hermes is already on
// PATH) and returns the exit code of the first failing step, or 0.
func (r *runner) run(a actionFile) (code int, log string) {
	for name, in := range a.Inputs {
		if _, set := r.inputs[name]; !set {
			r.inputs[name] = in.Default
		}
	}
	var out strings.Builder
	for _, s := range a.Runs.Steps {
		if s.Uses != "" || s.ID == "install" {
			continue
		}
		if s.Shell != "bash" {
			r.t.Fatalf("step %q: shell %q", s.Name, s.Shell)
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", s.Run)
		cmd.Dir = r.dir
		cmd.Env = append([]string(nil), r.baseEnv...)
		for k, v := range s.Env {
			cmd.Env = append(cmd.Env, k+"="+r.expand(v))
		}
		b, err := cmd.CombinedOutput()
		out.Write(b)
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

// outputs parses GITHUB_OUTPUT's name<<DELIM blocks.
func (r *runner) outputs() map[string]string {
	out := map[string]string{}
	lines := strings.Split(r.file(r.output), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			continue
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

func TestActionRunsPromptWithWIF(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	a := loadAction(t)
	iss := oidctest.New(t)
	api := anthropictest.New(t, anthropictest.Config{Issuer: iss})
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
		if strings.Contains(log+summary+r.file(r.output), s) {
			t.Error("a secret reached the job log, summary or outputs")
		}
	}
}

// A refused exchange fails the step with hermes's own exit code (4:
// authentication), and the summary says so.
func TestActionFailsWithHermesExitCode(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	a := loadAction(t)
	iss := oidctest.New(t)
	api := anthropictest.New(t, anthropictest.Config{Issuer: iss})
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
