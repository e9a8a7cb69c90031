package scripttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/oidctest"
	"github.com/hermes-agent/hermes/internal/secret"
)

func doubles(ts *testscript.TestScript) *Doubles {
	d := DoublesOf(ts)
	if d == nil {
		ts.Fatalf("no doubles: the script was not set up by scripttest.Setup")
	}
	return d
}

// keyValues parses key=value arguments; only the keys in allowed are accepted.
func keyValues(ts *testscript.TestScript, args []string, allowed ...string) map[string]string {
	out := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || !slices.Contains(allowed, k) {
			ts.Fatalf("bad argument %q: want key=value with key one of %s", a, strings.Join(allowed, ", "))
		}
		out[k] = v
	}
	return out
}

// cmdMintJWT: mintjwt PATH [sub=S] [aud=A[,B]] [ttl=DUR] [broken=KIND] [iss=URL] [jti=J] [env=VAR]
// writes a JWT from the script's issuer to PATH (relative to the current
// directory, $WORK at first), mode 0600; with env=VAR the script's VAR
// holds it too (a client presenting it as ANTHROPIC_AUTH_TOKEN).
func cmdMintJWT(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: mintjwt PATH [sub=S] [aud=A[,B]] [ttl=DUR] [broken=KIND] [iss=URL] [jti=J] [env=VAR]")
	}
	d := doubles(ts)
	kv := keyValues(ts, args[1:], "sub", "aud", "ttl", "broken", "iss", "jti", "env")
	c := oidctest.Claims{Subject: kv["sub"], Issuer: kv["iss"], JTI: kv["jti"]}
	if a := kv["aud"]; a != "" {
		c.Audience = strings.Split(a, ",")
	}
	if t := kv["ttl"]; t != "" {
		ttl, err := time.ParseDuration(t)
		ts.Check(err)
		c.TTL = ttl
	}
	var jwt string
	if b := kv["broken"]; b != "" {
		kind, ok := oidctest.ParseBroken(b)
		if !ok {
			var names []string
			for _, k := range oidctest.BrokenKinds() {
				names = append(names, k.String())
			}
			ts.Fatalf("unknown broken kind %q: want one of %s", b, strings.Join(names, ", "))
		}
		jwt = d.Issuer.MintBroken(kind, c)
	} else {
		jwt = d.Issuer.Mint(c)
	}
	d.remember(jwt)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(jwt+"\n"), 0o600))
	if v := kv["env"]; v != "" {
		ts.Setenv(v, jwt)
	}
}

// remember keeps a JWT from mintjwt, so nosecrets also catches one that
// hermes printed without ever exchanging it.
func (d *Doubles) remember(jwt string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.jwts = append(d.jwts, jwt)
}

// secrets is everything a script's output must never contain.
func (d *Doubles) secrets() []string {
	out := append([]string{StubAPIKey}, d.Stub.Secrets()...)
	_, ghaToken := d.Issuer.GitHubActions()
	out = append(out, ghaToken, TelegramToken, SlackBotToken, SlackAppToken, SlackSigningSecret)
	d.mu.Lock()
	defer d.mu.Unlock()
	return append(out, d.jwts...)
}

// cmdStub: stub SUBCOMMAND ... — inspect and steer the stand-in.
func cmdStub(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: stub exchanges N | exchange JWTFILE | requests | exchange-log | messages | fault ROUTE key=value... | clear-faults | script TEXT | script-tool NAME JSON [TEXT] | auto-tool NAME JSON | context-window N | cache | expire | oauth-ttl DURATION | oauth-refreshes N | models-page N | refuse-model MODEL [STATUS]")
	}
	d := doubles(ts)
	s := d.Stub
	_ = ts.Stdout() // every stub command replaces stdout, even with nothing
	if neg && args[0] != "exchanges" && args[0] != "exchange" {
		ts.Fatalf("stub %s does not support !", args[0])
	}
	switch args[0] {
	case "exchanges":
		if len(args) != 2 {
			ts.Fatalf("usage: stub exchanges N")
		}
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		got := s.ExchangeCount()
		if (got == want) == neg {
			ts.Fatalf("stub: %d successful exchanges, want %s%d", got, map[bool]string{true: "not ", false: ""}[neg], want)
		}
	case "exchange":
		if len(args) != 2 {
			ts.Fatalf("usage: stub exchange JWTFILE")
		}
		status := d.exchange(ts, strings.TrimSpace(ts.ReadFile(args[1])))
		fmt.Fprintf(ts.Stdout(), "status=%d\n", status)
		if (status == http.StatusOK) == neg {
			ts.Fatalf("stub exchange: status %d", status)
		}
	case "requests":
		for _, r := range s.Requests() {
			line := fmt.Sprintf("%s %s %s beta=%s status=%d", r.Method, r.Path, r.AuthScheme, r.Beta, r.Status)
			if r.WorkspaceHeader != "" {
				line += " workspace=" + r.WorkspaceHeader
			}
			fmt.Fprintln(ts.Stdout(), line)
		}
	case "exchange-log":
		for _, e := range s.Exchanges() {
			fmt.Fprintf(ts.Stdout(), "status=%d reason=%s sub=%s jti=%s\n", e.Status, e.Reason, e.Subject, e.JTI)
		}
	case "messages":
		for _, m := range s.MessageRequests() {
			fmt.Fprintf(ts.Stdout(), "model=%s stream=%t system=%q last=%q tools=%d\n", m.Model, m.Stream, m.System, m.LastUserText(), len(m.Tools))
		}
	case "fault":
		if len(args) < 3 {
			ts.Fatalf("usage: stub fault ROUTE key=value... (status, retry-after, latency, cut, malformed, redirect, huge, times, echo)")
		}
		s.Fault(args[1], parseFault(ts, args[2:]))
	case "clear-faults":
		s.ClearFaults()
	case "script":
		if len(args) != 2 {
			ts.Fatalf("usage: stub script TEXT")
		}
		s.Script(anthropictest.Reply{Text: args[1]})
	case "script-tool":
		if len(args) < 3 || len(args) > 4 {
			ts.Fatalf("usage: stub script-tool NAME JSON [TEXT]")
		}
		if !json.Valid([]byte(args[2])) {
			ts.Fatalf("stub script-tool: input %q is not JSON", args[2])
		}
		r := anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{Name: args[1], Input: json.RawMessage(args[2])}}}
		if len(args) == 4 {
			r.Text = args[3]
		}
		s.Script(r)
	case "auto-tool":
		if len(args) != 3 || !json.Valid([]byte(args[2])) {
			ts.Fatalf("usage: stub auto-tool NAME JSON (every prompt calls the tool once, then answers)")
		}
		s.SetAutoTool(args[1], json.RawMessage(args[2]))
	case "context-window":
		if len(args) != 2 {
			ts.Fatalf("usage: stub context-window TOKENS")
		}
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		s.SetContextWindow(n)
	case "cache":
		// The share of input read from the cache after the first request.
		us := s.Usages()
		var read, all, refused int
		for i, u := range us {
			if i > 0 {
				read += u.CacheReadInputTokens
				all += u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens
			}
		}
		for _, r := range s.Requests() {
			if r.Path == "/v1/messages" && r.Status == http.StatusBadRequest {
				refused++
			}
		}
		fmt.Fprintf(ts.Stdout(), "requests=%d read_after_first=%d%% refused=%d\n", len(us), read*100/max(all, 1), refused)
	case "expire":
		s.ExpireTokens()
	case "oauth-ttl":
		if len(args) != 2 {
			ts.Fatalf("usage: stub oauth-ttl DURATION")
		}
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		s.SetOAuthTokenTTL(d)
	case "oauth-refreshes":
		if len(args) != 2 {
			ts.Fatalf("usage: stub oauth-refreshes N")
		}
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		if got := s.OAuthGrants(anthropictest.GrantTypeRefreshToken); got != want {
			ts.Fatalf("stub: %d OAuth refreshes, want %d", got, want)
		}
	case "models-page":
		if len(args) != 2 {
			ts.Fatalf("usage: stub models-page N")
		}
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		s.SetModelsPageSize(n)
	case "refuse-model":
		if len(args) < 2 || len(args) > 3 {
			ts.Fatalf("usage: stub refuse-model MODEL [404|400]")
		}
		status := http.StatusNotFound
		if len(args) == 3 {
			n, err := strconv.Atoi(args[2])
			ts.Check(err)
			status = n
		}
		s.RefuseModel(args[1], status)
	default:
		ts.Fatalf("unknown stub subcommand %q", args[0])
	}
}

// exchange spends a JWT at the stand-in the way a workload would, so a
// script can burn an assertion before handing it to hermes.
func (d *Doubles) exchange(ts *testscript.TestScript, jwt string) int {
	body, _ := json.Marshal(map[string]string{
		"grant_type": anthropictest.GrantTypeJWTBearer, "assertion": jwt,
		"federation_rule_id": anthropictest.DefaultRuleID, "organization_id": anthropictest.DefaultOrgID,
	})
	req, err := http.NewRequest(http.MethodPost, d.Stub.URL+"/v1/oauth/token", bytes.NewReader(body))
	ts.Check(err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("anthropic-beta", anthropictest.OAuthBeta+","+anthropictest.FederationBeta)
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func parseFault(ts *testscript.TestScript, args []string) anthropictest.Fault {
	kv := keyValues(ts, args, "status", "retry-after", "latency", "cut", "malformed", "redirect", "huge", "times", "echo")
	atoi := func(k string) int {
		if kv[k] == "" {
			return 0
		}
		n, err := strconv.Atoi(kv[k])
		if err != nil {
			ts.Fatalf("stub fault: %s=%q is not a number", k, kv[k])
		}
		return n
	}
	f := anthropictest.Fault{
		Status: atoi("status"), RetryAfter: kv["retry-after"], CutStreamAfterEvents: atoi("cut"),
		MalformedJSON: kv["malformed"] == "true", RedirectTo: kv["redirect"], HugeBodyBytes: int64(atoi("huge")), Times: atoi("times"),
		EchoHeaders: kv["echo"] == "true",
	}
	if l := kv["latency"]; l != "" {
		var err error
		f.Latency, err = time.ParseDuration(l)
		ts.Check(err)
	}
	return f
}

// cmdNoSecrets: nosecrets [FILE...] — fail if the previous command's
// stdout or stderr (or the named files) contain any secret of the doubles:
// API key, assertions, minted tokens, the GitHub request token, JWTs from
// mintjwt. With !, fail unless one does (to test the check itself).
func cmdNoSecrets(ts *testscript.TestScript, neg bool, args []string) {
	d := doubles(ts)
	sources := map[string]string{"stdout": ts.ReadFile("stdout"), "stderr": ts.ReadFile("stderr")}
	for _, f := range args {
		sources[f] = ts.ReadFile(f)
	}
	var found []string
	for name, text := range sources {
		for _, sec := range d.secrets() {
			// Shorter values are junk a test sent (e.g. a bogus key), not secrets.
			if len(sec) >= 8 && strings.Contains(text, sec) {
				found = append(found, fmt.Sprintf("%s contains %s", name, secret.Mask(sec)))
			}
		}
	}
	switch {
	case len(found) > 0 && !neg:
		ts.Fatalf("secret leaked: %s", strings.Join(found, "; "))
	case len(found) == 0 && neg:
		ts.Fatalf("no secret found in %d sources, but ! nosecrets expected one", len(sources))
	}
}
