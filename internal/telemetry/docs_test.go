package telemetry

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/otlpstandin"
)

// docTable returns the rows of the table under heading in docs/TELEMETRY.md:
// the first column's name and the attribute keys of column col (backticked
// words outside parentheses, which hold the values).
func docTable(t *testing.T, heading string, col int) map[string][]string {
	t.Helper()
	data, err := os.ReadFile("../../docs/TELEMETRY.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("docs/TELEMETRY.md has no %q", heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	parens := regexp.MustCompile(`\([^()]*\)`)
	ticked := regexp.MustCompile("`([^`]+)`")
	rows := map[string][]string{}
	for line := range strings.SplitSeq(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < col+2 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		name := ticked.FindStringSubmatch(cells[1])[1]
		keys := []string{}
		for _, m := range ticked.FindAllStringSubmatch(parens.ReplaceAllString(cells[col+1], ""), -1) {
			keys = append(keys, m[1])
		}
		sort.Strings(keys)
		rows[name] = keys
	}
	if len(rows) == 0 {
		t.Fatalf("no rows under %q", heading)
	}
	return rows
}

// docs/TELEMETRY.md is the contract: every metric it names is exported
// with exactly the attributes it lists, and nothing else is.
func TestDocsNameEveryMetricAndItsAttributes(t *testing.T) {
	want := docTable(t, "## Metrics", 2)
	srv, err := otlpstandin.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	Start(env(map[string]string{EnableVar: "1", EndpointVar: srv.URL}), os.Stderr)
	ctx := context.Background()
	cost := 0.25
	RecordUsage(ctx, "m", Usage{Input: 1, Output: 1, CacheRead: 1, CacheCreation: 1, CostUSD: &cost})
	CountSession(ctx, "chat")
	RecordToolDecision(ctx, "bash", "allow", "policy")
	RecordCredentialExchange(ctx, "wif", "success")
	RecordGatewayRequest(ctx, "gateway-key", 200, time.Millisecond)
	Shutdown(FlushBound)
	got := map[string][]string{}
	for _, p := range srv.Metrics() {
		keys := make([]string, 0, len(p.Attrs))
		for k := range p.Attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		got[p.Name] = keys
	}
	for name, keys := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s is documented but not exported", name)
		} else if !slices.Equal(g, keys) {
			t.Errorf("%s: exported with attributes %v, documented %v", name, g, keys)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is exported but not documented", name)
		}
	}
}

// Every span hermes starts (a literal name passed to StartSpan anywhere in
// the tree) is in the docs' table, and every span there is started.
func TestDocsNameEverySpan(t *testing.T) {
	want := docTable(t, "## Traces", 2)
	call := regexp.MustCompile(`telemetry\.StartSpan\([^,]+,\s*"([^"]+)"`)
	started := map[string]bool{}
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range call.FindAllSubmatch(src, -1) {
			started[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range want {
		if !started[name] {
			t.Errorf("span %s is documented but never started", name)
		}
	}
	for name := range started {
		if _, ok := want[name]; !ok {
			t.Errorf("span %s is started but not documented", name)
		}
	}
}
