package action

import (
	"os"
	"regexp"
	"testing"

	"sigs.k8s.io/yaml"
)

// The README's install lines, its GitHub Action example and action.yml's
// default name one release, and only one that exists: while no release is
// tagged that is the default branch (`uses: …@main`, `version: latest`,
// `go install …@latest`); once one is, every line pins the same tag.
func TestREADMEVersionsInStep(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var act actionFile
	if err := yaml.Unmarshal(raw, &act); err != nil {
		t.Fatal(err)
	}
	find := func(re string) []string {
		var out []string
		for _, m := range regexp.MustCompile(re).FindAllSubmatch(readme, -1) {
			out = append(out, string(m[1]))
		}
		return out
	}
	refs := find(`uses: hermes-agent/hermes@(\S+)`)
	versions := find(`(?m)^\s+version: (\S+)`)
	installs := find(`go install github\.com/hermes-agent/hermes/cmd/hermes@(\S+)`)
	if len(refs) == 0 || len(versions) == 0 || len(installs) == 0 {
		t.Fatalf("README: action refs %q, version inputs %q, go install lines %q: want each at least once", refs, versions, installs)
	}
	tag := regexp.MustCompile(`^v\d+\.\d+\.\d+$`)
	for _, r := range refs {
		for _, v := range versions {
			switch {
			case r == "main" && v == "latest":
			case tag.MatchString(r) && v == r:
			default:
				t.Errorf("README: `uses: hermes-agent/hermes@%s` with `version: %s`: the action and the hermes it installs must be the same release (main with latest, or one tag)", r, v)
			}
		}
	}
	for _, v := range append(versions, installs...) {
		if tag.MatchString(v) && !tagged(v) {
			t.Errorf("README pins %s, which is not a release of this repository (no such tag): write latest/@latest until it is tagged", v)
		}
	}
	for _, v := range regexp.MustCompile(`v\d+\.\d+\.\d+`).FindAllString(act.Inputs["version"].Description, -1) {
		if !tagged(v) {
			t.Errorf("action.yml: the version input names %s, which is not a release of this repository", v)
		}
	}
	if d := act.Inputs["version"].Default; d != "latest" {
		t.Errorf("action.yml: version defaults to %q, want latest (no release pinned that may not exist)", d)
	}
}

// tagged reports whether the repository has the release tag v. None has
// been made yet (the releases list is kept here, the one place to update).
func tagged(v string) bool {
	var releases []string
	for _, r := range releases {
		if r == v {
			return true
		}
	}
	return false
}
