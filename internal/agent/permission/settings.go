package permission

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// Settings is the permissions part of a settings file
// (HERMES_HOME/settings.json, <workdir>/.hermes/settings.json), in Claude
// Code's shape: {"permissions": {"allow": [...], "deny": [...]}}. Other
// keys are ignored.
type Settings struct {
	Permissions struct {
		Allow []string `json:"allow"`
		Deny  []string `json:"deny"`
	} `json:"permissions"`
	// Sandbox is the bash sandbox (see ResolveSandbox).
	Sandbox *SandboxSetting `json:"sandbox"`
	// Path is the file it was read from.
	Path string `json:"-"`
}

// maxSettingsBytes bounds a settings file.
const maxSettingsBytes = 1 << 20

// UserSettingsPath and ProjectSettingsPath are where the two files live.
func UserSettingsPath(hermesHome string) string { return filepath.Join(hermesHome, "settings.json") }

// ProjectSettingsPath is <workDir>/.hermes/settings.json.
func ProjectSettingsPath(workDir string) string {
	return filepath.Join(workDir, ".hermes", "settings.json")
}

// LoadSettings reads a settings file; a missing file is (nil, nil). With
// strict, a file (or its directory) that other users may write is refused:
// it could allow them to run commands as you.
func LoadSettings(path string, strict bool) (*Settings, error) {
	var data []byte
	var err error
	if strict {
		// The user's own settings (HERMES_HOME): StrictModes, no symlink.
		data, err = fsutil.ReadPrivateFile(path, maxSettingsBytes)
	} else {
		data, err = fsutil.ReadFileLimited(path, maxSettingsBytes)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	var s Settings
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("settings %s is not valid JSON: %v; fix or remove it", path, err)
	}
	s.Path = path
	if err := s.Sandbox.check(); err != nil {
		return nil, fmt.Errorf("settings %s: sandbox: %w", path, err)
	}
	for _, list := range [][]string{s.Permissions.Allow, s.Permissions.Deny} {
		if _, err := ParseRules(list); err != nil {
			return nil, fmt.Errorf("settings %s: %w", path, err)
		}
	}
	return &s, nil
}

// Sources are where a session's rules come from.
type Sources struct {
	Mode string
	// FlagAllow, FlagDeny are --allowed-tools / --disallowed-tools.
	FlagAllow, FlagDeny []string
	// User is HERMES_HOME/settings.json, Project the work dir's; either
	// may be nil.
	User, Project *Settings
}

// Build makes the policy for src. Deny rules from everywhere add up.
// Allow rules: the flags, plus the user settings; a project settings file
// can only narrow the user settings' allow list, never widen it — when it
// has an allow list, a user rule stays only as far as a project rule
// covers it (the narrower of the two is kept), so a cloned repository
// cannot grant itself anything.
func Build(src Sources) (*Policy, error) {
	allow, err := ParseRules(src.FlagAllow)
	if err != nil {
		return nil, fmt.Errorf("--allowed-tools: %w", err)
	}
	deny, err := ParseRules(src.FlagDeny)
	if err != nil {
		return nil, fmt.Errorf("--disallowed-tools: %w", err)
	}
	var userAllow []Rule
	for _, s := range []*Settings{src.User, src.Project} {
		if s == nil {
			continue
		}
		d, err := ParseRules(s.Permissions.Deny)
		if err != nil {
			return nil, fmt.Errorf("settings %s: %w", s.Path, err)
		}
		deny = append(deny, d...)
	}
	if src.User != nil {
		if userAllow, err = ParseRules(src.User.Permissions.Allow); err != nil {
			return nil, fmt.Errorf("settings %s: %w", src.User.Path, err)
		}
	}
	if src.Project != nil && src.Project.Permissions.Allow != nil {
		proj, err := ParseRules(src.Project.Permissions.Allow)
		if err != nil {
			return nil, fmt.Errorf("settings %s: %w", src.Project.Path, err)
		}
		userAllow = Narrow(userAllow, proj)
	}
	return New(src.Mode, append(allow, userAllow...), deny)
}

// Narrow is the intersection of two allow lists: for each pair where one
// rule covers the other, the narrower one.
func Narrow(user, project []Rule) []Rule {
	var out []Rule
	add := func(r Rule) {
		for _, o := range out {
			if o == r {
				return
			}
		}
		out = append(out, r)
	}
	for _, u := range user {
		for _, p := range project {
			switch {
			case u.covers(p):
				add(p)
			case p.covers(u):
				add(u)
			}
		}
	}
	return out
}

// Effective is what a session runs with: the mode and the merged rules,
// as strings for agent.Config.
type Effective struct {
	Mode        string
	Allow, Deny []string
}

// Resolve loads HERMES_HOME/settings.json (strict: refused when others
// can write it) and <workDir>/.hermes/settings.json, and merges them with
// the flags (see Build).
func Resolve(hermesHome, workDir, mode string, flagAllow, flagDeny []string) (Effective, error) {
	src := Sources{Mode: mode, FlagAllow: flagAllow, FlagDeny: flagDeny}
	var err error
	if hermesHome != "" {
		if src.User, err = LoadSettings(UserSettingsPath(hermesHome), true); err != nil {
			return Effective{}, err
		}
	}
	if workDir != "" {
		if src.Project, err = LoadSettings(ProjectSettingsPath(workDir), false); err != nil {
			return Effective{}, err
		}
	}
	p, err := Build(src)
	if err != nil {
		return Effective{}, err
	}
	allow, deny := p.Rules()
	e := Effective{Mode: p.Mode()}
	for _, r := range allow {
		e.Allow = append(e.Allow, r.String())
	}
	for _, r := range deny {
		e.Deny = append(e.Deny, r.String())
	}
	return e, nil
}
