package permission

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/sandbox"
)

func TestResolveSandbox(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		name          string
		user, project string
		flags         SandboxFlags
		want          sandbox.Policy
		wantErr       string
	}{
		{name: "default", want: sandbox.Policy{Mode: sandbox.WorkspaceWrite}},
		{name: "user string", user: `{"sandbox":"read-only"}`, want: sandbox.Policy{Mode: sandbox.ReadOnly}},
		{name: "user object", user: `{"sandbox":{"mode":"danger-full-access","network":true}}`, want: sandbox.Policy{Mode: sandbox.DangerFullAccess, Network: true}},
		{name: "user network only", user: `{"sandbox":{"network":true}}`, want: sandbox.Policy{Mode: sandbox.WorkspaceWrite, Network: true}},
		{name: "project cannot widen", user: `{"sandbox":"read-only"}`, project: `{"sandbox":{"mode":"danger-full-access","network":true}}`, want: sandbox.Policy{Mode: sandbox.ReadOnly}},
		{name: "project narrows", user: `{"sandbox":{"mode":"danger-full-access","network":true}}`, project: `{"sandbox":{"mode":"read-only","network":false}}`, want: sandbox.Policy{Mode: sandbox.ReadOnly}},
		{name: "flags win", user: `{"sandbox":"read-only"}`, project: `{"sandbox":"read-only"}`, flags: SandboxFlags{Mode: "danger-full-access", Network: &yes}, want: sandbox.Policy{Mode: sandbox.DangerFullAccess, Network: true}},
		{name: "flag network off", user: `{"sandbox":{"network":true}}`, flags: SandboxFlags{Network: &no}, want: sandbox.Policy{Mode: sandbox.WorkspaceWrite}},
		{name: "bad flag", flags: SandboxFlags{Mode: "full"}, wantErr: "--sandbox: unknown sandbox mode"},
		{name: "bad setting", user: `{"sandbox":"off"}`, wantErr: `sandbox: unknown sandbox mode "off"`},
		{name: "bad shape", user: `{"sandbox":{"mode":"read-only","net":true}}`, wantErr: `"sandbox" is a mode`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home, work := t.TempDir(), t.TempDir()
			os.Chmod(home, 0o700)
			if tc.user != "" {
				os.WriteFile(UserSettingsPath(home), []byte(tc.user), 0o600)
			}
			if tc.project != "" {
				os.MkdirAll(filepath.Dir(ProjectSettingsPath(work)), 0o700)
				os.WriteFile(ProjectSettingsPath(work), []byte(tc.project), 0o600)
			}
			got, err := ResolveSandbox(home, work, tc.flags)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
