package gateway_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/cli/root"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

func TestRefusesNonLoopbackWithoutAllowRemote(t *testing.T) {
	home := t.TempDir()
	rt := credential.NewStaticRuntime("http://127.0.0.1:1", credential.ModeAPIKey, credential.KindAPIKey, "test", "sk-ant-api03-xxxxxxxxxxxxxxxx")
	ios, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{
		IO:      ios,
		Getenv:  func(k string) string { return map[string]string{"HERMES_HOME": home}[k] },
		Now:     time.Now,
		Resolve: func(context.Context) (*credential.Runtime, error) { return rt, nil },
	}
	code := root.Run(context.Background(), f, []string{"gateway", "--listen", "0.0.0.0:0"})
	if code != 1 || !strings.Contains(errOut.String(), "--allow-remote") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(errOut.String(), "sk-ant-api03-xxxx") {
		t.Error("stderr shows the API key")
	}
	code = root.Run(context.Background(), f, []string{"gateway", "extra"})
	if code != 2 {
		t.Errorf("extra argument: exit %d, want 2", code)
	}
}
