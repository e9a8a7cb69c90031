package cmdutil

import (
	"runtime/debug"
	"sync"
)

// BuildVersion is the version hermes reports (version command, --version,
// User-Agent): Version when the build set it, else what the Go toolchain
// recorded in the binary — the module version (`go install …@v1.2.3`
// gives v1.2.3, a checkout a pseudo-version), the VCS revision and whether
// the tree was modified — so no build claims a version it is not.
func BuildVersion() string { return buildVersion() }

var buildVersion = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	return versionFrom(Version, bi, ok)
})

func versionFrom(stamped string, bi *debug.BuildInfo, ok bool) string {
	if stamped != "" {
		return stamped
	}
	if !ok || bi == nil {
		return "unknown"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" && !containsRevision(v, rev) {
		v += "+" + rev[:min(12, len(rev))]
	}
	if modified == "true" && !hasDirtySuffix(v) {
		v += "+dirty"
	}
	return v
}

// containsRevision: a pseudo-version already ends in the revision's first
// 12 hex digits.
func containsRevision(v, rev string) bool {
	short := rev[:min(12, len(rev))]
	for i := 0; i+len(short) <= len(v); i++ {
		if v[i:i+len(short)] == short {
			return true
		}
	}
	return false
}

func hasDirtySuffix(v string) bool {
	return len(v) >= 6 && v[len(v)-6:] == "+dirty"
}
