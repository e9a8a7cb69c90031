package oauth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
)

// BrowserTimeout is how long the browser flow waits for the redirect.
const BrowserTimeout = 5 * time.Minute

// Login runs the authorization-code flow once.
type Login struct {
	Config Config
	Client *Client
	// Open opens url in a browser. nil, or an error from it: the paste flow.
	Open func(url string) error
	// Paste reads the pasted CODE#STATE (a terminal line or one stdin line).
	Paste func(ctx context.Context) (string, error)
	// Stderr gets the instructions and the URL (never a secret: the URL
	// holds only the public challenge and state).
	Stderr io.Writer
	// Timeout bounds the browser flow's wait (default BrowserTimeout).
	Timeout time.Duration
}

// StateError: the code came back with another attempt's state (a forged
// or stale redirect, or a paste from another login). Nothing was redeemed.
type StateError struct{ Flow string }

func (e *StateError) Error() string {
	return "OAuth login failed: the " + e.Flow + " returned a state that does not belong to this login attempt (a stale or forged response); run the login again"
}

func (e *StateError) ExitCode() int { return 4 }

// Run performs the login and returns the tokens.
func (l *Login) Run(ctx context.Context) (*Tokens, error) {
	p, state := NewPKCE(), NewState()
	if l.Open != nil {
		t, err := l.browser(ctx, p, state)
		if !errors.Is(err, errNoBrowser) {
			return t, err
		}
		fmt.Fprintln(l.Stderr, "Could not open a browser; paste the code instead.")
	}
	return l.paste(ctx, p, state)
}

var errNoBrowser = errors.New("no browser")

func (l *Login) browser(ctx context.Context, p PKCE, state string) (*Tokens, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("OAuth login: listen on loopback for the browser redirect: %w", err)
	}
	defer ln.Close()
	redirect := fmt.Sprintf("http://127.0.0.1:%d/callback", ln.Addr().(*net.TCPAddr).Port)
	type result struct{ code, state, err string }
	got := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		res := result{code: q.Get("code"), state: q.Get("state"), err: q.Get("error")}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if res.err != "" || res.code == "" {
			fmt.Fprintf(w, page, "Login failed", "hermes did not get an authorization code ("+html.EscapeString(res.err)+"). Return to the terminal.")
		} else {
			fmt.Fprintf(w, page, "Logged in", "hermes has the authorization. You can close this tab.")
		}
		select {
		case got <- res:
		default:
		}
	})}
	go srv.Serve(ln)
	defer srv.Close()

	u := l.Config.AuthCodeURL(redirect, state, p)
	fmt.Fprintf(l.Stderr, "Opening your browser to log in. If it does not open, visit:\n\n  %s\n\n", u)
	if err := l.Open(u); err != nil {
		return nil, errNoBrowser
	}
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = BrowserTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var res result
	select {
	case res = <-got:
	case <-timer.C:
		return nil, fmt.Errorf("OAuth login: no answer from the browser after %s; run again, or use --no-browser to paste the code", timeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if res.err != "" || res.code == "" {
		return nil, &TokenError{Endpoint: l.Config.AuthorizeURL, Grant: "authorization", Status: http.StatusBadRequest, Code: firstNonEmpty(res.err, "no_code"), Description: "the authorization page did not return a code"}
	}
	if res.state != state {
		return nil, &StateError{Flow: "browser redirect"}
	}
	return l.Client.Exchange(ctx, l.Config, res.code, state, p.Verifier, redirect)
}

const page = `<!doctype html><html><head><meta charset="utf-8"><title>hermes</title></head><body style="font-family:sans-serif;margin:4em"><h1>%s</h1><p>%s</p></body></html>`

func (l *Login) paste(ctx context.Context, p PKCE, state string) (*Tokens, error) {
	if l.Paste == nil {
		return nil, errors.New("OAuth login needs a browser or a pasted code, and neither is available")
	}
	u := l.Config.AuthCodeURL(l.Config.RedirectURI, state, p)
	fmt.Fprintf(l.Stderr, "Visit this URL to log in, then paste the code shown (CODE#STATE):\n\n  %s\n\n", u)
	line, err := l.Paste(ctx)
	if err != nil {
		return nil, err
	}
	code, gotState, ok := strings.Cut(strings.TrimSpace(line), "#")
	switch {
	case code == "":
		return nil, errors.New("OAuth login: no code was pasted")
	case !ok:
		return nil, errors.New("OAuth login: the pasted text has no #STATE part; paste the whole CODE#STATE the page shows")
	case gotState != state:
		return nil, &StateError{Flow: "pasted code"}
	}
	return l.Client.Exchange(ctx, l.Config, code, state, p.Verifier, l.Config.RedirectURI)
}

// ReadLine reads one line from r (the paste flow's stdin), up to 8 KiB.
func ReadLine(r io.Reader) (string, error) {
	s, err := bufio.NewReaderSize(io.LimitReader(r, 8<<10), 8<<10).ReadString('\n')
	if err != nil && (err != io.EOF || s == "") {
		if err == io.EOF {
			return "", errors.New("OAuth login: stdin ended before a code was pasted")
		}
		return "", err
	}
	return strings.TrimSpace(s), nil
}

// BrowserOpener returns how to open a URL in this environment: $BROWSER,
// else xdg-open (Linux, BSD) or open (macOS); nil when there is none (then
// the paste flow is used). The browser helper is a child process: it
// inherits no credential variable (credential.ScrubEnv), nor the extra
// ones named (see resolve.Resolver.SecretEnv).
func BrowserOpener(getenv func(string) string, extraEnv ...string) func(string) error {
	if b := strings.TrimSpace(getenv("BROWSER")); b != "" {
		return func(u string) error { return startDetached(b, u, extraEnv) }
	}
	cmd := "xdg-open"
	if runtime.GOOS == "darwin" {
		cmd = "open"
	}
	if _, err := exec.LookPath(cmd); err != nil {
		return nil
	}
	if runtime.GOOS != "darwin" && getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return nil // xdg-open would start a text browser in our terminal, or fail
	}
	return func(u string) error { return startDetached(cmd, u, extraEnv) }
}

// startDetached starts the browser command without waiting for it (some
// stay in the foreground for the whole browser session). $BROWSER may hold
// a command with arguments.
func startDetached(command, u string, extraEnv []string) error {
	args := strings.Fields(command)
	c := exec.Command(args[0], append(args[1:], u)...)
	c.Stdin, c.Stdout, c.Stderr = nil, nil, nil
	c.Env = credential.ScrubEnv(os.Environ(), extraEnv...)
	if err := c.Start(); err != nil {
		return err
	}
	go c.Wait()
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
