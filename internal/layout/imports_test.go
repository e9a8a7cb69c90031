package layout

import (
	"path"
	"sort"
	"strings"
	"testing"
)

const cli = module + "/internal/cli"

// commandImportProblem says why the package pkg under internal/cli may not
// import imp, or "" when it may. Commands import cmdutil and internal
// non-cli packages; only the root (and cmd/hermes) wires commands
// together and uses internal/cli/factory. A group imports its own
// subcommands (auth → auth/add), and the subcommands of a group share
// its `shared` package (auth/remove → auth/shared), as in gh.
func commandImportProblem(pkg, imp string) string {
	if pkg == cli+"/root" || !strings.HasPrefix(imp, cli+"/") {
		return ""
	}
	switch {
	case imp == cli+"/factory":
		return "imports internal/cli/factory: only the root wires the factory; take what you need from cmdutil.Factory or your Options"
	case strings.HasPrefix(imp, pkg+"/"):
		return "" // a group and its subcommands
	case path.Base(imp) == "shared" && strings.HasPrefix(pkg, path.Dir(imp)+"/"):
		return ""
	}
	return "imports the command package " + strings.TrimPrefix(imp, module+"/") + ": commands reach each other through cmdutil.Factory or their Options, wired by internal/cli/root"
}

// The rule itself: what the tree had before commands stopped importing
// each other is refused, what it has now is allowed.
func TestCommandImportRule(t *testing.T) {
	for _, c := range []struct {
		pkg, imp string
		ok       bool
	}{
		{cli + "/chat", cli + "/auth/add", false},
		{cli + "/auth/importprofile", cli + "/auth/add", false},
		{cli + "/auth/status", cli + "/factory", false},
		{cli + "/auth/add", cli + "/factory", false},
		{cli + "/chat", cli + "/complete", false},
		{cli + "/cron", cli + "/models", false},
		{cli + "/factory", cli + "/auth/add", false},
		{cli + "/chat", cli + "/auth/shared", false},
		{cli + "/root", cli + "/factory", true},
		{cli + "/root", cli + "/auth/add", true},
		{cli + "/auth", cli + "/auth/add", true},
		{cli + "/auth/remove", cli + "/auth/shared", true},
		{cli + "/chat", module + "/internal/cmdutil", true},
		{cli + "/chat", module + "/internal/agent", true},
	} {
		if got := commandImportProblem(c.pkg, c.imp) == ""; got != c.ok {
			t.Errorf("%s importing %s: allowed %v, want %v", c.pkg, c.imp, got, c.ok)
		}
	}
}

// TestCommandsImportOnlyCmdutil holds every package under internal/cli
// to commandImportProblem (their non-test imports).
func TestCommandsImportOnlyCmdutil(t *testing.T) {
	lines := goList(t, "-f", "{{.ImportPath}}:{{join .Imports \",\"}}", cli+"/...")
	if len(lines) < 10 {
		t.Fatalf("go list found %d packages under internal/cli: %q", len(lines), lines)
	}
	var problems []string
	for _, l := range lines {
		pkg, imports, _ := strings.Cut(l, ":")
		for _, imp := range strings.Split(imports, ",") {
			if p := commandImportProblem(pkg, imp); p != "" {
				problems = append(problems, strings.TrimPrefix(pkg, module+"/")+" "+p)
			}
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// TestSchedulerDoesNotDependOnTheAgent: internal/cron defines the Runner
// interface; the agent behind it is wired by the cron command.
func TestSchedulerDoesNotDependOnTheAgent(t *testing.T) {
	if deps(t, module+"/internal/cron")[module+"/internal/agent"] {
		t.Error("internal/cron depends on internal/agent (go list -deps ./internal/cron); the agent runner belongs to internal/cli/cron")
	}
}

// TestCredentialCoreIsALeaf: a package that needs only a token links
// neither the SDK nor the stores; SDK clients are internal/apiclient's.
func TestCredentialCoreIsALeaf(t *testing.T) {
	for p := range deps(t, module+"/internal/credential") {
		if strings.HasPrefix(p, "github.com/anthropics/anthropic-sdk-go") {
			t.Errorf("internal/credential depends on %s (go list -deps ./internal/credential); build SDK clients in internal/apiclient", p)
		}
		for _, store := range []string{"/internal/authstore", "/internal/identity"} {
			if p == module+store {
				t.Errorf("internal/credential depends on %s: the core imports no store", p)
			}
		}
	}
}
