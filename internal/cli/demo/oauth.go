package demo

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"

	"github.com/hermes-agent/hermes/internal/anthropicstandin"
)

// demoOAuthLabel is the pool entry the OAuth step adds.
const demoOAuthLabel = "demo-oauth"

// oauthLogin runs `hermes auth add anthropic --type oauth --no-browser`
// against the stand-in's authorization server, playing the user: it reads
// the authorize URL hermes prints, opens it (the stand-in approves at once
// and shows CODE#STATE, as claude.ai does) and pastes the code. Then one
// chat uses the login, sent as Bearer with the OAuth beta.
func (f *flow) oauthLogin(ctx context.Context) ([]string, error) {
	env := append(append([]string(nil), f.env...),
		"HERMES_OAUTH_AUTHORIZE_URL="+f.stub.URL+"/oauth/authorize",
		"HERMES_OAUTH_TOKEN_URL="+f.stub.URL+"/v1/oauth/token")
	out, err := f.hermes.runPaste(ctx, env, f.pasteCode,
		"auth", "add", "anthropic", "--type", "oauth", "--no-browser", "--label", demoOAuthLabel, "--base-url", f.stub.URL)
	if err != nil {
		return nil, err
	}
	if n := f.stub.OAuthGrants(anthropicstandin.GrantTypeAuthorizationCode); n != 1 {
		return nil, failf(out, "the stand-in saw %d authorization-code grants, want 1", n)
	}
	before := len(f.stub.Requests())
	answer, err := f.hermes.run(ctx, "chat", "-q", oauthPrompt, "--credential", demoOAuthLabel)
	if err != nil {
		return nil, err
	}
	for _, r := range f.stub.Requests()[before:] {
		if r.Path == "/v1/messages" && (r.AuthScheme != "bearer" || !hasBeta(r.Beta, anthropicstandin.OAuthBeta) || r.Status != http.StatusOK) {
			return nil, fmt.Errorf("the chat with the OAuth login reached the stand-in with %s, beta %q, status %d; want Bearer with %s", r.AuthScheme, r.Beta, r.Status, anthropicstandin.OAuthBeta)
		}
	}
	return []string{
		firstLine(out),
		"PKCE (S256) authorization code, pasted as CODE#STATE; access and refresh token stored 0600 in HERMES_HOME/auth.json",
		"answer with --credential " + demoOAuthLabel + ": " + firstLine(answer),
	}, nil
}

const oauthPrompt = "Hello with an OAuth login"

// pasteCode is the user at the browser: it opens the authorize URL hermes
// printed and returns the CODE#STATE the page shows.
func (f *flow) pasteCode(ctx context.Context, printed string) (string, error) {
	var authorize string
	for _, field := range strings.Fields(printed) {
		if strings.HasPrefix(field, f.stub.URL+"/oauth/authorize?") {
			authorize = field
		}
	}
	if authorize == "" {
		return "", fmt.Errorf("hermes printed no authorize URL of the stand-in")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authorize, nil)
	if err != nil {
		return "", err
	}
	client := &http.Client{Timeout: stepTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("open the authorize URL: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the authorization server answered %d: %s", resp.StatusCode, firstLine(string(body)))
	}
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}

// runPaste runs `hermes args...` with env, waits for it to print a line
// with "://" on stderr (the URL to visit), and writes what paste returns
// for the stderr so far as one line of stdin.
func (h *hermesCmd) runPaste(ctx context.Context, env []string, paste func(context.Context, string) (string, error), args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.exe, args...)
	cmd.Env, cmd.Dir = env, h.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", err
	}
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	var pasteErr error
	sc := bufio.NewScanner(errPipe)
	for sc.Scan() {
		stderr.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "://") {
			var code string
			if code, pasteErr = paste(ctx, stderr.String()); pasteErr == nil {
				io.WriteString(stdin, code+"\n")
			}
			break
		}
	}
	stdin.Close()
	io.Copy(&stderr, errPipe)
	err = cmd.Wait()
	h.record(output{name: "hermes " + strings.Join(args[:min(2, len(args))], " "), stdout: stdout.String(), stderr: stderr.String()})
	switch {
	case pasteErr != nil:
		return "", &stepError{err: pasteErr, output: joinOutput(stdout.String(), stderr.String())}
	case err != nil:
		return "", &stepError{err: fmt.Errorf("hermes %s failed: %v", args[0], err), output: joinOutput(stdout.String(), stderr.String())}
	}
	return stdout.String(), nil
}
