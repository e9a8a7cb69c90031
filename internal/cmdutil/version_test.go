package cmdutil

import (
	"runtime/debug"
	"testing"
)

// hermes never reports a hard-coded version: unstamped, it reports what
// the toolchain recorded (module version, VCS revision, modified tree).
func TestVersionFrom(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		name, stamped string
		bi            *debug.BuildInfo
		want          string
	}{
		{"ldflags win", "v9.9.9", &debug.BuildInfo{Main: debug.Module{Version: "v1.0.0"}}, "v9.9.9"},
		{"go install @tag", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.4.1"}}, "v0.4.1"},
		{"pseudo-version keeps its revision", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261207073500-0123456789ab"}, Settings: vcs(rev, "false")}, "v0.0.0-20261207073500-0123456789ab"},
		{"pseudo-version, modified tree", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261207073500-0123456789ab+dirty"}, Settings: vcs(rev, "true")}, "v0.0.0-20261207073500-0123456789ab+dirty"},
		{"devel with revision and dirty", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "true")}, "devel+0123456789ab+dirty"},
		{"nothing known", "", &debug.BuildInfo{}, "devel"},
	} {
		if got := versionFrom(tc.stamped, tc.bi, true); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	if Version != "" {
		t.Errorf("Version defaults to %q: an unstamped build would report it instead of its build information", Version)
	}
}
