package permission

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hermes-agent/hermes/internal/sandbox"
)

// SandboxSetting is a settings file's "sandbox" key: a mode
// ("workspace-write") or an object {"mode": "read-only", "network": true}.
type SandboxSetting struct {
	Mode    string `json:"mode,omitempty"`
	Network *bool  `json:"network,omitempty"`
}

// UnmarshalJSON takes either shape.
func (s *SandboxSetting) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &s.Mode)
	}
	type plain SandboxSetting
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf(`"sandbox" is a mode ("workspace-write") or {"mode": "...", "network": true|false}: %v`, err)
	}
	*s = SandboxSetting(p)
	return nil
}

func (s *SandboxSetting) check() error {
	if s == nil || s.Mode == "" {
		return nil
	}
	_, err := sandbox.ParseMode(s.Mode)
	return err
}

// strictness orders the modes: a project file may only move down.
var strictness = map[sandbox.Mode]int{sandbox.ReadOnly: 0, sandbox.WorkspaceWrite: 1, sandbox.DangerFullAccess: 2}

// SandboxFlags are --sandbox and --sandbox-network as given ("" and nil
// when not given).
type SandboxFlags struct {
	Mode    string
	Network *bool
}

// ResolveSandbox is the sandbox a session runs bash in: the flags win;
// else the user settings (HERMES_HOME/settings.json); else
// workspace-write without network. The project settings file (a cloned
// repository's) can only make it stricter: a stricter mode, network off.
func ResolveSandbox(hermesHome, workDir string, flags SandboxFlags) (sandbox.Policy, error) {
	var user, project *Settings
	var err error
	if hermesHome != "" {
		if user, err = LoadSettings(UserSettingsPath(hermesHome), true); err != nil {
			return sandbox.Policy{}, err
		}
	}
	if workDir != "" {
		if project, err = LoadSettings(ProjectSettingsPath(workDir), false); err != nil {
			return sandbox.Policy{}, err
		}
	}
	p := sandbox.Policy{Mode: sandbox.WorkspaceWrite}
	if user != nil && user.Sandbox != nil {
		if user.Sandbox.Mode != "" {
			p.Mode = sandbox.Mode(user.Sandbox.Mode)
		}
		if user.Sandbox.Network != nil {
			p.Network = *user.Sandbox.Network
		}
	}
	if project != nil && project.Sandbox != nil {
		if m := sandbox.Mode(project.Sandbox.Mode); m != "" && strictness[m] < strictness[p.Mode] {
			p.Mode = m
		}
		if project.Sandbox.Network != nil && !*project.Sandbox.Network {
			p.Network = false
		}
	}
	if flags.Mode != "" {
		m, err := sandbox.ParseMode(flags.Mode)
		if err != nil {
			return sandbox.Policy{}, fmt.Errorf("--sandbox: %w", err)
		}
		p.Mode = m
	}
	if flags.Network != nil {
		p.Network = *flags.Network
	}
	return p, nil
}
