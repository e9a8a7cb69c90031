package models_test

//lint:file-ignore SA1019 the model catalogue names deprecated and retired models on purpose

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/models"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

const apiKey = "sk-ant-api03-models-test-key-0123456789"

func standIn(t *testing.T) (*anthropictest.Server, *credential.Runtime) {
	t.Helper()
	srv := anthropictest.New(t, anthropictest.Config{Issuer: oidctest.New(t), APIKeys: []string{apiKey}})
	return srv, credential.NewStaticRuntime(srv.URL, credential.ModeAPIKey, credential.KindAPIKey, "test", apiKey)
}

func TestDefaultIsTheSDKConstant(t *testing.T) {
	t.Parallel()
	if models.Default() != anthropic.ModelClaudeSonnet5_5 || models.DefaultModel != anthropic.ModelClaudeSonnet5_5 {
		t.Fatalf("default %q, want the SDK's %q", models.Default(), anthropic.ModelClaudeSonnet5_5)
	}
	if r, ok := models.Retirement(models.Default()); ok {
		t.Fatalf("the default model is itself deprecated: %+v", r)
	}
	if got := models.Pick("", " ", "claude-opus-5-5"); got != "claude-opus-5-5" {
		t.Errorf("Pick = %q", got)
	}
	if got := models.Pick(); got != models.Default() {
		t.Errorf("Pick() = %q", got)
	}
}

func TestListFollowsEveryPage(t *testing.T) {
	t.Parallel()
	srv, rt := standIn(t)
	srv.SetModelsPageSize(4)
	list, err := models.List(context.Background(), rt)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	defaults := 0
	for _, m := range list {
		ids = append(ids, m.ID)
		if m.Default {
			defaults++
			if m.ID != models.Default() {
				t.Errorf("%s marked default", m.ID)
			}
		}
	}
	if len(list) != len(anthropictest.Models())-1 || defaults != 1 {
		t.Fatalf("listed %v (%d defaults), want every non-retired stand-in model and one default", ids, defaults)
	}
	pages := 0
	for _, r := range srv.Requests() {
		if r.Path == "/v1/models" {
			pages++
		}
	}
	if pages != 3 {
		t.Errorf("%d list requests, want 3 pages of 4", pages)
	}
	// The deprecated model carries its retirement.
	for _, m := range list {
		if m.ID == anthropic.ModelClaudeOpus4_5_20251101 && (m.Lifecycle != "deprecated" || m.RetiresAt == nil) {
			t.Errorf("deprecated model: %+v", m)
		}
	}
	// Another default (HERMES_MODEL) is marked instead, by alias too.
	list, err = models.List(context.Background(), rt, anthropic.ModelClaudeHaiku4_5)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.Default != (m.ID == anthropic.ModelClaudeHaiku4_5_20251001) {
			t.Errorf("%s default=%t", m.ID, m.Default)
		}
	}
}

func TestListRefusedCredentialIsExit4(t *testing.T) {
	t.Parallel()
	srv, _ := standIn(t)
	rt := credential.NewStaticRuntime(srv.URL, credential.ModeAPIKey, credential.KindAPIKey, "test", "sk-ant-api03-wrong-key-0000000000")
	_, err := models.List(context.Background(), rt)
	var le *models.ListError
	if !errors.As(err, &le) || le.ExitCode() != 4 || le.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-key") {
		t.Fatalf("the key leaked: %v", err)
	}
}

func TestRefuses(t *testing.T) {
	t.Parallel()
	const m = "claude-sonnet-4-5"
	for _, c := range []struct {
		status      int
		typ, msg, m string
		want        bool
	}{
		{404, "not_found_error", "model: " + m, m, true},
		{400, "invalid_request_error", "model " + m + " is not supported", m, true},
		{400, "invalid_request_error", "max_tokens: too large", m, false},
		{401, "authentication_error", "model: " + m, m, false},
		{404, "not_found_error", "model: x", "", false},
		{500, "api_error", m, m, false},
		// A wrong base URL or a proxy's 404 page: not the model's fault.
		{404, "", "404 page not found", m, false},
		{404, "", "", m, false},
		{404, "not_found_error", "Not found: POST /wrong/v1/messages", m, false},
		{404, "not_found_error", "", m, true},
	} {
		if got := models.Refuses(c.status, c.typ, c.msg, c.m); got != c.want {
			t.Errorf("Refuses(%d, %s, %q) = %t", c.status, c.typ, c.msg, got)
		}
	}
}

func TestUnavailableErrorSaysWhatToDo(t *testing.T) {
	t.Parallel()
	err := &models.UnavailableError{Model: "claude-sonnet-4-5", Job: "nightly", Err: errors.New("the Anthropic API answered 404 Not Found (not_found_error): model: claude-sonnet-4-5")}
	msg := err.Error()
	for _, want := range []string{
		`refused the model "claude-sonnet-4-5"`, "it may be retired", "November 30, 2026",
		"The default hermes would use is " + models.Default(),
		"hermes chat -m " + models.Default(), "/model " + models.Default(),
		"hermes cron edit nightly --model " + models.Default(), "hermes models", "404 Not Found",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	// The default itself refused: suggest what the table says, not itself.
	self := &models.UnavailableError{Model: "claude-sonnet-4-5", Default: "claude-sonnet-4-5"}
	if self.Suggestion() != anthropic.ModelClaudeSonnet5_5 {
		t.Errorf("suggestion = %q", self.Suggestion())
	}
	// The built-in default refused (an account without it): never offer
	// the refused model back; point at `hermes models`.
	def := &models.UnavailableError{Model: models.DefaultModel}
	if def.Suggestion() != "" {
		t.Errorf("suggestion for the refused default = %q", def.Suggestion())
	}
	msg = def.Error()
	for _, bad := range []string{"-m " + models.DefaultModel, "/model " + models.DefaultModel, "--model " + models.DefaultModel} {
		if strings.Contains(msg, bad) {
			t.Errorf("message suggests the refused model (%q):\n%s", bad, msg)
		}
	}
	if !strings.Contains(msg, "pick one from `hermes models`") || !strings.Contains(msg, "/model MODEL") {
		t.Errorf("message:\n%s", msg)
	}
}

func TestWarnDeprecatedOncePerModel(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, time.December, 4, 12, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	var wr models.Warner
	if !wr.Warn(&buf, anthropic.ModelClaudeOpus4_5_20251101, now) {
		t.Fatal("no warning for a deprecated model")
	}
	if wr.Warn(&buf, anthropic.ModelClaudeOpus4_5_20251101, now) {
		t.Fatal("warned twice")
	}
	if wr.Warn(&buf, anthropic.ModelClaudeSonnet5_5, now) {
		t.Fatal("warned for a current model")
	}
	out := buf.String()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "will reach end-of-life on January 22, 2027; please migrate to claude-opus-5-5") {
		t.Fatalf("warning = %q", out)
	}
	r, _ := models.Retirement(anthropic.ModelClaudeSonnet4_5)
	if w := r.Warning(now); !strings.Contains(w, "reached end-of-life on November 30, 2026") || !strings.Contains(w, "-m claude-sonnet-5-5") {
		t.Fatalf("past warning = %q", w)
	}
}

// TestRetirementsMatchSDK reads the SDK's own deprecation notes (message.go
// in the module cache) and checks the table has every one, with the same
// date and replacement: an SDK update that deprecates a model fails here.
func TestRetirementsMatchSDK(t *testing.T) {
	t.Parallel()
	gobin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		if gobin, err = exec.LookPath("go"); err != nil {
			t.Skip("no go command to find the SDK's source")
		}
	}
	out, err := exec.Command(gobin, "list", "-m", "-f", "{{.Dir}}", "github.com/anthropics/anthropic-sdk-go/v2").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "message.go"))
	if err != nil {
		t.Skipf("SDK source: %v", err)
	}
	// "Deprecated: Will reach end-of-life on November 30, 2026. Please migrate to
	// // claude-sonnet-5-5. Visit ... \n ModelClaudeSonnet4_5 Model = "claude-sonnet-4-5""
	re := regexp.MustCompile(`Deprecated: Will reach end-of-life on (\w+ \d+, \d{4})\. Please migrate to\s*(?://\s*)?(\S+)\.[^"]*?\n\s*Model\w+\s+Model = "([^"]+)"`)
	found := re.FindAllStringSubmatch(string(src), -1)
	if len(found) == 0 {
		t.Fatal("found no deprecation notes in the SDK's message.go: the pattern is out of date")
	}
	for _, f := range found {
		date, repl, model := f[1], f[2], f[3]
		r, ok := models.Retirement(model)
		if !ok {
			t.Errorf("the SDK deprecates %s (end-of-life %s, use %s) but the table lacks it", model, date, repl)
			continue
		}
		if r.Date() != date || r.Replacement != repl {
			t.Errorf("%s: table says %s → %s, the SDK %s → %s", model, r.Date(), r.Replacement, date, repl)
		}
	}
	t.Logf("%d deprecation notes checked", len(found))
}
