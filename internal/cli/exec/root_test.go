package exec_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/cli/root"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

func factory(env []string) (*cmdutil.Factory, func() string) {
	ios, _, _, errOut := iostreams.Test()
	rt := credential.NewStaticRuntime("http://127.0.0.1:1", credential.ModeAPIKey, credential.KindAPIKey, "t", "sk-ant-api03-unused-unused")
	return &cmdutil.Factory{
		IO:      ios,
		Getenv:  func(string) string { return "" },
		Environ: func() []string { return env },
		Now:     time.Now,
		Resolve: func(context.Context) (*credential.Runtime, error) { return rt, nil },
	}, errOut.String
}

func TestRootExitCodes(t *testing.T) {
	exe, _ := os.Executable()
	f, stderr := factory([]string{"HERMES_EXEC_TEST_CHILD=exit", "HERMES_EXEC_TEST_CODE=7"})
	if code := root.Run(context.Background(), f, []string{"exec", "--", exe, "--ignored-flag"}); code != 7 || stderr() != "" {
		t.Errorf("exit %d, stderr %q; want the child's 7, silently", code, stderr())
	}
	// After an interrupt the child's own code still wins.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f, stderr = factory([]string{"HERMES_EXEC_TEST_CHILD=exit", "HERMES_EXEC_TEST_CODE=7"})
	if code := root.Run(ctx, f, []string{"exec", exe}); code != 7 || stderr() != "" {
		t.Errorf("interrupted: exit %d, stderr %q", code, stderr())
	}
	f, _ = factory(nil)
	if code := root.Run(context.Background(), f, []string{"exec"}); code != 2 {
		t.Errorf("no command: exit %d, want 2", code)
	}
}
