package exec

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/gateway/gatewaytest"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// ambient is an environment full of credentials the child must not see.
func ambient(mode string, extra ...string) []string {
	return append([]string{
		"HERMES_EXEC_TEST_CHILD=" + mode,
		"GORACE=atexit_sleep_ms=0", // no 1 s sleep at a race-enabled child's clean exit
		"ANTHROPIC_API_KEY=sk-ant-api03-ambient-key-should-not-leak",
		"ANTHROPIC_AUTH_TOKEN=sk-ant-oat01-ambient-token-should-not-leak",
		"ANTHROPIC_BASE_URL=http://127.0.0.1:9/wrong",
		"ANTHROPIC_FEDERATION_RULE_ID=fdrl_ambient",
		"ANTHROPIC_ORGANIZATION_ID=8c2b8f3e-6a55-4f0e-9a43-2d6e1c7b9f10",
		"ANTHROPIC_SERVICE_ACCOUNT_ID=svac_ambient",
		"ANTHROPIC_WORKSPACE_ID=wrkspc_ambient",
		"ANTHROPIC_IDENTITY_TOKEN_FILE=/nonexistent",
		"ANTHROPIC_IDENTITY_TOKEN=eyJambient",
		"ANTHROPIC_PROFILE=ambient",
		"ANTHROPIC_CONFIG_DIR=/nonexistent",
	}, extra...)
}

func self(t *testing.T) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// fields parses the child's "name value" lines.
func fields(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(line, " ")
		m[k] = v
	}
	return m
}

func runSDKChild(t *testing.T, rt *credential.Runtime, direct bool, extra ...string) (map[string]string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	opts := &Options{
		IO:      ios,
		Resolve: func(context.Context) (*credential.Runtime, error) { return rt, nil },
		Environ: func() []string { return ambient("sdk", extra...) },
		Direct:  direct,
		Args:    []string{self(t)},
	}
	err := Run(context.Background(), opts)
	if strings.Contains(out.String(), "leaked") {
		t.Errorf("child inherited ambient credentials:\n%s", out)
	}
	return fields(out.String()), errOut.String(), err
}

func TestExecGatewaySDKChild(t *testing.T) {
	iss := oidctest.New(t)
	api := anthropictest.New(t, anthropictest.Config{Issuer: iss})
	rt, _ := gatewaytest.Runtime(iss, api.URL)

	got, stderr, err := runSDKChild(t, rt, false)
	if err != nil {
		t.Fatalf("exec: %v\nstderr: %s", err, stderr)
	}
	if !strings.HasPrefix(got["base"], "http://127.0.0.1:") || got["base"] == api.URL {
		t.Errorf("child base URL %q, want the private gateway", got["base"])
	}
	if got["reply"] == "" || got["streamed"] == "" || got["api-key-hash"] != "" {
		t.Errorf("child output: %v", got)
	}
	n := 0
	for _, r := range api.Requests() {
		if r.Path != "/v1/messages" {
			continue
		}
		n++
		if r.AuthScheme != "bearer" || !strings.Contains(r.Beta, anthropictest.OAuthBeta) {
			t.Errorf("stand-in saw %s, beta %q", r.AuthScheme, r.Beta)
		}
		if r.CredentialHash == got["auth-token-hash"] {
			t.Error("the one-time gateway key reached the stand-in")
		}
	}
	if n != 2 {
		t.Errorf("%d messages requests, want 2", n)
	}
	for _, s := range api.Secrets() {
		if strings.Contains(stderr, s) {
			t.Error("stderr shows a secret")
		}
	}
}

func TestExecDirectBearerWarnsAboutExpiry(t *testing.T) {
	iss := oidctest.New(t)
	api := anthropictest.New(t, anthropictest.Config{Issuer: iss})
	rt, src := gatewaytest.Runtime(iss, api.URL)

	got, stderr, err := runSDKChild(t, rt, true)
	if err != nil {
		t.Fatalf("exec --direct: %v\nstderr: %s", err, stderr)
	}
	tok, _ := src.Token(context.Background())
	if got["base"] != api.URL || got["auth-token-hash"] != anthropictest.HashCredential(tok.Value) {
		t.Errorf("child got base %q and not the fresh upstream token", got["base"])
	}
	if got["streamed"] == "" {
		t.Errorf("child SDK calls failed: %v", got)
	}
	if !strings.Contains(stderr, "expires at") || !strings.Contains(stderr, "--direct") {
		t.Errorf("no expiry warning: %q", stderr)
	}
	if strings.Contains(stderr, tok.Value) {
		t.Error("the warning shows the token")
	}
}

func TestExecDirectAPIKey(t *testing.T) {
	api := anthropictest.New(t, anthropictest.Config{Issuer: oidctest.New(t), APIKeys: []string{"sk-ant-api03-direct-key-0123456789"}})
	rt := credential.NewStaticRuntime(api.URL, credential.ModeAPIKey, credential.KindAPIKey, "test key", "sk-ant-api03-direct-key-0123456789")
	// Environment only: this SDK version sends API keys as Bearer, which
	// the stand-in takes for an access token.
	got, stderr, err := runSDKChild(t, rt, true, "HERMES_EXEC_TEST_NOCALL=1")
	if err != nil {
		t.Fatalf("exec --direct: %v\nstderr: %s\nchild: %v", err, stderr, got)
	}
	if got["base"] != api.URL || got["api-key-hash"] != anthropictest.HashCredential("sk-ant-api03-direct-key-0123456789") || got["auth-token-hash"] != "" {
		t.Errorf("child env: %v", got)
	}
	if stderr != "" {
		t.Errorf("unexpected stderr for a key without expiry: %q", stderr)
	}
}

func runMode(t *testing.T, mode string, extra ...string) error {
	rt := credential.NewStaticRuntime("http://127.0.0.1:1", credential.ModeAPIKey, credential.KindAPIKey, "t", "sk-ant-api03-unused-unused")
	ios, _, _, _ := iostreams.Test()
	return Run(context.Background(), &Options{
		IO:      ios,
		Resolve: func(context.Context) (*credential.Runtime, error) { return rt, nil },
		Environ: func() []string { return ambient(mode, extra...) },
		Args:    []string{self(t)},
	})
}

func TestExecExitCodes(t *testing.T) {
	if err := runMode(t, "exit", "HERMES_EXEC_TEST_CODE=0"); err != nil {
		t.Errorf("exit 0: %v", err)
	}
	err := runMode(t, "exit", "HERMES_EXEC_TEST_CODE=7")
	var ec *cmdutil.ExitCodeError
	if !errors.As(err, &ec) || ec.Code != 7 || !ec.Silent {
		t.Errorf("exit 7: %#v", err)
	}
	if err := runMode(t, "selfkill"); cmdutil.ExitCode(err) != 128+int(syscall.SIGTERM) {
		t.Errorf("killed by SIGTERM: exit %d (%v)", cmdutil.ExitCode(err), err)
	}
	ios, _, _, _ := iostreams.Test()
	err = Run(context.Background(), &Options{
		IO: ios,
		Resolve: func(context.Context) (*credential.Runtime, error) {
			return credential.NewStaticRuntime("http://127.0.0.1:1", credential.ModeAPIKey, "", "", "k"), nil
		},
		Environ: func() []string { return nil },
		Args:    []string{"hermes-test-no-such-command"},
	})
	if cmdutil.ExitCode(err) != 127 || !strings.Contains(err.Error(), "hermes-test-no-such-command") {
		t.Errorf("missing command: exit %d, %v", cmdutil.ExitCode(err), err)
	}
}

func TestExecResolveErrorStopsBeforeTheChild(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	err := Run(context.Background(), &Options{
		IO: ios,
		Resolve: func(context.Context) (*credential.Runtime, error) {
			return nil, &cmdutil.AuthError{Err: errors.New("no credential")}
		},
		Args:    []string{self(t)},
		Environ: func() []string { return ambient("sdk") },
	})
	if cmdutil.ExitCode(err) != 4 || out.Len() != 0 {
		t.Errorf("exit %d, child output %q", cmdutil.ExitCode(err), out)
	}
}

// startWaitingChild runs `hermes exec` on a child that prints "ready" and
// exits 42 once it gets SIGUSR1; it returns when the child is ready.
func startWaitingChild(t *testing.T, tty bool) <-chan error {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	rt := credential.NewStaticRuntime("http://127.0.0.1:1", credential.ModeAPIKey, credential.KindAPIKey, "t", "sk-ant-api03-unused-unused")
	ios, _, _, _ := iostreams.Test()
	ios.SetStdinTTY(tty)
	ios.Out = w
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), &Options{
			IO:      ios,
			Resolve: func(context.Context) (*credential.Runtime, error) { return rt, nil },
			Environ: func() []string { return ambient("waitsig") },
			Args:    []string{self(t)},
		})
		w.Close()
	}()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("child said %q, %v", line, err)
	}
	return done
}

// waitExit42 waits for the child started by startWaitingChild.
func waitExit42(t *testing.T, done <-chan error, why string) {
	t.Helper()
	select {
	case err := <-done:
		if cmdutil.ExitCode(err) != 42 {
			t.Errorf("exit %d (%v), want the child's 42: %s", cmdutil.ExitCode(err), err, why)
		}
	case <-time.After(time.Minute):
		t.Fatal("child never finished")
	}
}

func TestExecForwardsSignals(t *testing.T) {
	done := startWaitingChild(t, false)
	// hermes gets SIGUSR1; the child must get it too (it exits 42).
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	waitExit42(t, done, "the forwarded SIGUSR1 ends it")
}

// On a terminal, Ctrl-\ (SIGQUIT) goes to the child from the kernel; hermes
// must neither die of it (the child would lose its gateway) nor deliver it
// a second time.
func TestExecSurvivesTerminalQuit(t *testing.T) {
	done := startWaitingChild(t, true)
	// Without the fix the Go runtime's default SIGQUIT action kills this
	// test binary here.
	syscall.Kill(os.Getpid(), syscall.SIGQUIT)
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	waitExit42(t, done, "SIGQUIT must not be forwarded on a terminal")
}

func TestChildEnv(t *testing.T) {
	env := ChildEnv(ambient("x", "PATH=/bin", "ANTHROPIC_MODEL=m"))
	joined := strings.Join(env, "\n")
	for _, name := range append(forbidden, "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL") {
		if strings.Contains(joined, name+"=") {
			t.Errorf("%s kept", name)
		}
	}
	if !strings.Contains(joined, "PATH=/bin") || !strings.Contains(joined, "ANTHROPIC_MODEL=m") {
		t.Errorf("unrelated variables dropped: %v", env)
	}
	if got := withBetaHeader("X-A: 1\nanthropic-beta: tools-1"); got != "X-A: 1\nanthropic-beta: tools-1,oauth-2025-04-20" {
		t.Errorf("custom headers %q", got)
	}
}

// Issue 11 item 6: the child gets none of the credential variables, nor
// the --credential env:VAR variable, nor the stored WIF's
// --identity-token-env variable; --keep-env passes one back with a warning.
func TestChildEnvStripsEveryCredentialVariable(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "auth.json"), []byte(`{"version":1,"providers":{"anthropic":{"wif":{"federation_rule_id":"fdrl_x","organization_id":"8c2b8f3e-6a55-4f0e-9a43-2d6e1c7b9f10","identity_token":{"source":"env","env":"MY_OIDC_JWT"}}}},"credential_pool":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ios, _, _, errOut := iostreams.Test()
	r := &resolve.Resolver{Home: home, Credential: "env:MY_SECRET_VAR", Getenv: func(string) string { return "" }}
	opts := &Options{IO: ios, Args: []string{"child"}, CredentialFlag: "env:MY_SECRET_VAR", SecretEnv: r.SecretEnv, KeepEnv: []string{"CLAUDE_CODE_OAUTH_TOKEN", "PLAIN_VAR"}}
	environ := ambient("x", "PATH=/bin", "PLAIN_VAR=1", "MY_SECRET_VAR=litellm-key", "MY_OIDC_JWT=eyJx", "CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-kept",
		"ANTHROPIC_ADMIN_KEY=sk-ant-admin01-x", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=gha", "ACTIONS_ID_TOKEN_REQUEST_URL=https://gha", "HERMES_HOME=/h")
	env := strings.Join(childEnv(opts, environ), "\n")
	for _, name := range []string{"MY_SECRET_VAR", "MY_OIDC_JWT", "ANTHROPIC_ADMIN_KEY", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "HERMES_HOME", "ANTHROPIC_CONFIG_DIR", "ANTHROPIC_API_KEY"} {
		if strings.Contains(env, name+"=") {
			t.Errorf("%s reached the child", name)
		}
	}
	if !strings.Contains(env, "CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-kept") || !strings.Contains(errOut.String(), "warning: passing CLAUDE_CODE_OAUTH_TOKEN") {
		t.Errorf("--keep-env: env has it %v, stderr %q", strings.Contains(env, "CLAUDE_CODE_OAUTH_TOKEN="), errOut.String())
	}
	if !strings.Contains(env, "PATH=/bin") {
		t.Error("PATH dropped")
	}
	// A variable that yields no credential is passed without a warning.
	if !strings.Contains(env, "PLAIN_VAR=1") || strings.Contains(errOut.String(), "PLAIN_VAR") {
		t.Errorf("--keep-env PLAIN_VAR: env has it %v, stderr %q", strings.Contains(env, "PLAIN_VAR=1"), errOut.String())
	}
}
