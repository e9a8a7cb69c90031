package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/anthropicstandin"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/fsutil"
	gw "github.com/hermes-agent/hermes/internal/gateway"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/oidcstandin"
	"github.com/hermes-agent/hermes/internal/secret"
)

// The prompts of the demo's chats.
const (
	firstPrompt   = "What is Workload Identity Federation, in one sentence?"
	secondPrompt  = "And why does it need no static API key?"
	gatewayPrompt = "Hello through the gateway"
)

// flow is one run of the demo: its directories, doubles and what the steps
// learned along the way.
type flow struct {
	opts  *Options
	dir   string // the temporary directory (removed unless --keep)
	home  string // HERMES_HOME
	cfg   string // ANTHROPIC_CONFIG_DIR
	token string // the identity token file
	env   []string

	iss    *oidcstandin.Issuer
	stub   *anthropicstandin.Server
	hermes *hermesCmd

	jwt        string
	gatewayKey string
	printed    iostreams.SyncBuffer // everything the demo printed, for the sentinel check
	inProcess  iostreams.SyncBuffer // the in-process resolver's and gateway's logs
}

// Run runs the demo and prints each step as it happens. It returns a
// silent exit-1 error after a failed step (already reported).
func Run(ctx context.Context, opts *Options) error {
	start := opts.Now()
	exe, err := opts.Executable()
	if err != nil {
		return fmt.Errorf("cannot find the hermes executable to run the demo's steps: %w", err)
	}
	f, err := newFlow(opts, exe)
	if err != nil {
		return err
	}
	defer f.cleanup()

	out := io.MultiWriter(opts.IO.Out, &f.printed)
	color := opts.IO.IsStdoutTTY() && lookupEnv(opts.Environ())("NO_COLOR") == ""
	s := &steps{out: out, color: color, now: opts.Now, secrets: f.secrets}
	fmt.Fprintf(out, "hermes demo: Workload Identity Federation end to end, on loopback (no network, no credentials)\n")
	fmt.Fprintf(out, "  HERMES_HOME %s (temporary)\n\n", f.home)
	for _, st := range f.plan() {
		if s.do(ctx, st.title, st.fn) != nil {
			break
		}
	}
	s.summary(opts.Now().Sub(start))
	if s.failed != "" {
		if ctx.Err() != nil {
			return cmdutil.ErrCancel // Ctrl-C stopped a step: exit 130
		}
		return errFailed
	}
	return nil
}

// newFlow makes the temporary directories. Nothing is started yet.
func newFlow(opts *Options, exe string) (*flow, error) {
	dir, err := os.MkdirTemp(opts.TempDir, "hermes-demo-")
	if err != nil {
		return nil, fmt.Errorf("create the demo's temporary directory: %w", err)
	}
	f := &flow{
		opts:  opts,
		dir:   dir,
		home:  filepath.Join(dir, "hermes"),
		cfg:   filepath.Join(dir, "anthropic"),
		token: filepath.Join(dir, "token.jwt"),
	}
	f.env = cleanEnv(opts.Environ(), "HERMES_HOME="+f.home, "ANTHROPIC_CONFIG_DIR="+f.cfg)
	f.hermes = &hermesCmd{exe: exe, env: f.env, dir: dir}
	return f, nil
}

// cleanup stops the doubles and removes the directory unless --keep.
func (f *flow) cleanup() {
	if f.stub != nil {
		f.stub.Close()
	}
	if f.iss != nil {
		f.iss.Close()
	}
	if f.opts.Keep {
		fmt.Fprintf(f.opts.IO.ErrOut, "kept %s (HERMES_HOME %s); remove it when done\n", f.dir, f.home)
		return
	}
	os.RemoveAll(f.dir)
}

// secrets are every value that must never be printed: the JWT, what the
// stand-in saw or minted (assertions, access tokens), the gateway key.
func (f *flow) secrets() []string {
	out := []string{f.jwt, f.gatewayKey}
	if f.stub != nil {
		out = append(out, f.stub.Secrets()...)
	}
	if f.iss != nil {
		_, ghaToken := f.iss.GitHubActions()
		out = append(out, ghaToken)
	}
	return out
}

type step struct {
	title string
	fn    stepFunc
}

func (f *flow) plan() []step {
	return []step{
		{"start an OIDC issuer and an Anthropic API stand-in on 127.0.0.1", f.startDoubles},
		{"mint a workload identity token (OIDC JWT) into a file", f.mintToken},
		{"hermes auth add anthropic --type wif", f.addWIF},
		{"hermes auth status", f.status},
		{"hermes chat -q (first process: exchanges the JWT)", f.chat(firstPrompt, "1 token exchange: the JWT became a short-lived sk-ant-oat01-… token, cached in HERMES_HOME/cache/wif")},
		{"hermes chat -q (second process: reuses the cached token)", f.chat(secondPrompt, "still 1 token exchange in total: the second process used the cached token")},
		{"a call through the gateway with the official Anthropic SDK", f.throughGateway},
		{"hermes auth add anthropic --type oauth (login against the stand-in's authorization server)", f.oauthLogin},
		{"no secret in any output", f.noSecrets},
	}
}

func (f *flow) startDoubles(context.Context) ([]string, error) {
	var err error
	if f.iss, err = oidcstandin.Start(); err != nil {
		return nil, fmt.Errorf("start the OIDC issuer: %w", err)
	}
	if f.stub, err = anthropicstandin.Start(anthropicstandin.Config{Issuer: f.iss}); err != nil {
		return nil, fmt.Errorf("start the Anthropic stand-in: %w", err)
	}
	return []string{
		"OIDC issuer    " + f.iss.URL,
		"Anthropic API  " + f.stub.URL + " (trusts the issuer through rule " + anthropicstandin.DefaultRuleID + ")",
	}, nil
}

func (f *flow) mintToken(context.Context) ([]string, error) {
	f.jwt = f.iss.Mint(oidcstandin.Claims{})
	if err := fsutil.WriteFileAtomic(f.token, []byte(f.jwt+"\n"), fsutil.FileMode); err != nil {
		return nil, fmt.Errorf("write the token file: %w", err)
	}
	return []string{
		f.token,
		fmt.Sprintf("sub %s, aud %s, expires in %s", oidcstandin.DefaultSubject, oidcstandin.DefaultAudience, oidcstandin.DefaultTTL),
	}, nil
}

func (f *flow) addWIF(ctx context.Context) ([]string, error) {
	out, err := f.hermes.run(ctx, "auth", "add", "anthropic", "--type", "wif",
		"--federation-rule-id", anthropicstandin.DefaultRuleID,
		"--organization-id", anthropicstandin.DefaultOrgID,
		"--identity-token-file", f.token,
		"--base-url", f.stub.URL)
	if err != nil {
		return nil, err
	}
	if n := f.stub.ExchangeCount(); n != 0 {
		return nil, failf(out, "adding the configuration made %d token exchange(s); it should make none", n)
	}
	return firstLines(out, 1), nil
}

func (f *flow) status(ctx context.Context) ([]string, error) {
	out, err := f.hermes.run(ctx, "auth", "status")
	if err != nil {
		return nil, err
	}
	if !strings.Contains(out, "anthropic-wif") {
		return nil, failf(out, "status does not name the WIF configuration (anthropic-wif)")
	}
	if n := f.stub.ExchangeCount(); n != 0 {
		return nil, failf(out, "status made %d token exchange(s); it should make none", n)
	}
	return pickLines(out, "anthropic-wif [", "iss ", "sub ", "aud "), nil
}

// chat runs one `hermes chat -q` and checks that the stand-in has seen
// exactly one exchange so far and only bearer API calls.
func (f *flow) chat(prompt, note string) stepFunc {
	return func(ctx context.Context) ([]string, error) {
		out, err := f.hermes.run(ctx, "chat", "-q", prompt)
		if err != nil {
			return nil, err
		}
		answer := strings.TrimSpace(out)
		if answer == "" {
			return nil, failf(out, "the chat printed no answer")
		}
		if err := f.checkStandIn(); err != nil {
			return nil, err
		}
		return []string{"answer: " + firstLine(answer), note}, nil
	}
}

// checkStandIn checks the stand-in's request log: exactly one successful
// exchange, and every API call authenticated with that exchange's token as
// Bearer with the OAuth beta, never an API key or a workspace header.
func (f *flow) checkStandIn() error {
	if n := f.stub.ExchangeCount(); n != 1 {
		return failf(f.exchangeLog(), "the stand-in saw %d successful token exchanges, want exactly 1", n)
	}
	tokens := f.stub.AccessTokens()
	if len(tokens) != 1 {
		return fmt.Errorf("the stand-in minted %d access tokens, want 1", len(tokens))
	}
	want := anthropicstandin.HashCredential(tokens[0])
	calls := 0
	for _, r := range f.stub.Requests() {
		if r.Path == "/v1/oauth/token" {
			continue
		}
		calls++
		switch {
		case r.AuthScheme != "bearer":
			return fmt.Errorf("%s %s reached the stand-in with %s authentication, want Authorization: Bearer", r.Method, r.Path, r.AuthScheme)
		case r.CredentialHash != want:
			return fmt.Errorf("%s %s did not carry the exchanged WIF token", r.Method, r.Path)
		case !hasBeta(r.Beta, anthropicstandin.OAuthBeta):
			return fmt.Errorf("%s %s: anthropic-beta %q lacks %s", r.Method, r.Path, r.Beta, anthropicstandin.OAuthBeta)
		case r.WorkspaceHeader != "":
			return fmt.Errorf("%s %s sent an anthropic-workspace-id header; a WIF token is already workspace-scoped", r.Method, r.Path)
		case r.Status != http.StatusOK:
			return fmt.Errorf("%s %s: the stand-in answered %d", r.Method, r.Path, r.Status)
		}
	}
	if calls == 0 {
		return fmt.Errorf("the stand-in saw no API call")
	}
	return nil
}

func (f *flow) exchangeLog() string {
	var b strings.Builder
	for _, e := range f.stub.Exchanges() {
		fmt.Fprintf(&b, "exchange: status %d %s %s\n", e.Status, e.Reason, e.Detail)
	}
	return b.String()
}

func hasBeta(header, beta string) bool {
	for _, v := range strings.Split(header, ",") {
		if strings.TrimSpace(v) == beta {
			return true
		}
	}
	return false
}

// throughGateway starts the gateway in this process, on the same resolver
// every hermes path uses (reading the token cache the chats filled), and
// sends one request through it with the official SDK, presenting only the
// local gateway key.
func (f *flow) throughGateway(ctx context.Context) ([]string, error) {
	logger := slog.New(slog.NewTextHandler(&f.inProcess, nil))
	res := &resolve.Resolver{
		Home:      f.home,
		Getenv:    lookupEnv(f.env),
		Stderr:    &f.inProcess,
		Now:       time.Now,
		UserAgent: "hermes/" + cmdutil.BuildVersion() + " (demo)",
		Logger:    logger,
		// Its own sources: this resolver sees the demo's environment, not
		// this process's; the token cache on disk is what it shares.
		Sources: credential.NewSources(),
	}
	rt, err := res.Resolve(ctx)
	if err != nil {
		return nil, fmt.Errorf("resolve the credential for the gateway: %w", err)
	}
	if rt.Kind != credential.KindWIF || rt.Mode != credential.ModeBearer {
		return nil, fmt.Errorf("the gateway resolved %s (%s, %s), want the WIF configuration", rt.Source, rt.Kind, rt.Mode)
	}
	if f.gatewayKey, err = gw.NewKey(); err != nil {
		return nil, err
	}
	upstream := gw.DefaultTransport()
	defer upstream.CloseIdleConnections()
	g, err := gw.New(gw.Options{Runtime: rt, Key: f.gatewayKey, Logger: logger, Transport: upstream})
	if err != nil {
		return nil, err
	}
	ln, err := gw.Listen("127.0.0.1:0", false)
	if err != nil {
		return nil, err
	}
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- gw.Serve(serveCtx, ln, g, time.Second, logger) }()
	defer func() { stop(); <-served }()

	url := "http://" + ln.Addr().String()
	answer, err := sdkCall(ctx, url, f.gatewayKey)
	if err != nil {
		return nil, failf(f.inProcess.String(), "the SDK call through the gateway failed: %v", err)
	}
	if err := f.checkStandIn(); err != nil {
		return nil, err
	}
	return []string{
		"gateway " + url + " → " + f.stub.URL + " (client presented only the local gateway key)",
		"answer: " + firstLine(answer),
		"reached the stand-in as Bearer with the cached WIF token; still 1 token exchange in total",
	}, nil
}

// sdkCall sends one message with the official SDK to baseURL, with the
// gateway key as the API key, as any Anthropic client would.
func sdkCall(ctx context.Context, baseURL, key string) (string, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	client := anthropic.NewClient(
		option.WithoutEnvironmentDefaults(),
		option.WithBaseURL(baseURL),
		option.WithAPIKey(key),
		option.WithHTTPClient(&http.Client{Transport: tr}),
		option.WithMaxRetries(0),
		option.WithRequestTimeout(stepTimeout),
	)
	msg, err := client.Messages.New(ctx, anthropic.MessageNewParams{
		Model:     anthropic.Model(agent.DefaultModel),
		MaxTokens: 256,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(gatewayPrompt))},
	})
	if err != nil {
		return "", err
	}
	var text strings.Builder
	for _, b := range msg.Content {
		text.WriteString(b.Text)
	}
	return text.String(), nil
}

// noSecrets fails if any secret appears in what any step or the demo
// itself printed.
func (f *flow) noSecrets(context.Context) ([]string, error) {
	sources := map[string]string{"the demo's own output": f.printed.String(), "the in-process gateway's log": f.inProcess.String()}
	runs := f.hermes.outputs()
	for i, o := range runs {
		sources[fmt.Sprintf("%s (step run %d) stdout", o.name, i+1)] = o.stdout
		sources[fmt.Sprintf("%s (step run %d) stderr", o.name, i+1)] = o.stderr
	}
	found := leaks(sources, f.secrets())
	if len(found) > 0 {
		return nil, fmt.Errorf("secret leaked: %s", strings.Join(found, "; "))
	}
	n := 0
	for _, s := range f.secrets() {
		if s != "" {
			n++
		}
	}
	return []string{fmt.Sprintf("%d secrets (the JWT, the access token, the gateway key, …) checked against the output of %d hermes runs", n, len(runs))}, nil
}

// leaks names each source that contains a secret (masked), sorted.
func leaks(sources map[string]string, secrets []string) []string {
	var found []string
	for name, text := range sources {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				found = append(found, name+" contains "+secret.Mask(s))
			}
		}
	}
	slices.Sort(found)
	return found
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

func firstLines(s string, n int) []string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[:min(n, len(lines))]
}

// pickLines returns the lines of s that contain first, or whose text
// starts with one of prefixes, from the first line containing first on,
// dedented by that line's indentation.
func pickLines(s, first string, prefixes ...string) []string {
	var out []string
	indent := -1
	for _, line := range strings.Split(s, "\n") {
		text := strings.TrimSpace(line)
		if indent < 0 {
			if !strings.Contains(line, first) {
				continue
			}
			indent = len(line) - len(strings.TrimLeft(line, " "))
		} else if !hasAnyPrefix(text, prefixes) {
			continue
		}
		out = append(out, strings.TrimRight(line[min(indent, len(line)-len(strings.TrimLeft(line, " "))):], " "))
	}
	return out
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
