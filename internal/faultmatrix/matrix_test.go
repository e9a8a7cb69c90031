package faultmatrix

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
)

const (
	tokenRoute    = "/v1/oauth/token"
	messagesRoute = "/v1/messages"
	modelsRoute   = "/v1/models"
)

// fault is one column of the matrix: what the stand-in does on a route.
type fault struct {
	name string
	// token and api are the fault on the token endpoint and on the API
	// route (zero: the column does not apply there).
	token, api anthropictest.Fault
	// retryAfter is the wait the stand-in asked for, which a retry must
	// honour (0: none asked).
	retryAfter time.Duration
}

var (
	hang = anthropictest.Fault{Latency: time.Hour} // ended by the stand-in's Close
	// oversized is past hermes's bound on each route: 1 MiB for a token
	// response, 64 MiB for an API response.
	tokenOversized = anthropictest.Fault{HugeBodyBytes: 2 << 20}
	apiOversized   = anthropictest.Fault{HugeBodyBytes: 65 << 20}
)

func faults() []fault {
	return []fault{
		{name: "400", token: anthropictest.Fault{Status: 400}, api: anthropictest.Fault{Status: 400}},
		{name: "401", token: anthropictest.Fault{Status: 401}, api: anthropictest.Fault{Status: 401}},
		{name: "403", token: anthropictest.Fault{Status: 403}, api: anthropictest.Fault{Status: 403}},
		{name: "429-retry-after", token: anthropictest.Fault{Status: 429, RetryAfter: "1", Times: 1}, api: anthropictest.Fault{Status: 429, RetryAfter: "1", Times: 1}, retryAfter: time.Second},
		{name: "500-once", token: anthropictest.Fault{Status: 500, Times: 1}, api: anthropictest.Fault{Status: 500, Times: 1}},
		{name: "529-once", token: anthropictest.Fault{Status: 529, Times: 1}, api: anthropictest.Fault{Status: 529, Times: 1}},
		{name: "500-always", token: anthropictest.Fault{Status: 500}, api: anthropictest.Fault{Status: 500}},
		{name: "hang", token: hang, api: hang},
		{name: "dropped-connection", token: anthropictest.Fault{DropConnection: true}, api: anthropictest.Fault{DropConnection: true}},
		{name: "truncated", token: anthropictest.Fault{CutStreamAfterEvents: 1}, api: anthropictest.Fault{CutStreamAfterEvents: 2}},
		{name: "malformed-json", token: anthropictest.Fault{MalformedJSON: true}, api: anthropictest.Fault{MalformedJSON: true}},
		{name: "oversized-body", token: tokenOversized, api: apiOversized},
		{name: "redirect", token: anthropictest.Fault{RedirectTo: "http://127.0.0.1:9/elsewhere"}, api: anthropictest.Fault{RedirectTo: "http://127.0.0.1:9/elsewhere"}},
	}
}

// want is what the user must see in one cell.
type want struct {
	code  int      // exit code; for HTTP paths the status the client gets
	words []string // each must be named (case-insensitive; "a|b": either)
	// broken: an HTTP client must see the stream end abnormally, never a
	// clean end (it got a 200 already).
	broken bool
	// maxRequests bounds the requests the fault's route saw in this run.
	maxRequests int
}

// expect is the expected outcome of a CLI path (exit codes) for a fault on
// route. HTTP paths map it in httpExpect.
func expect(f fault, onToken bool) want {
	switch f.name {
	case "400":
		if onToken {
			return want{code: 4, words: []string{"400"}, maxRequests: 1}
		}
		return want{code: 1, words: []string{"400"}, maxRequests: 1}
	case "401":
		if onToken {
			return want{code: 4, words: []string{"401"}, maxRequests: 1}
		}
		return want{code: 4, words: []string{"401"}, maxRequests: 2}
	case "403":
		return want{code: 4, words: []string{"403"}, maxRequests: 1}
	case "429-retry-after", "500-once", "529-once":
		if onToken {
			// An identity token from a file that reached the server is
			// never sent again (assertions are single-use; hermes cannot
			// know whether the server recorded it), so a transient failure
			// of the exchange fails this run, naming the status; the next
			// rotation of the file works. A fetched identity token
			// (github-actions, gcp-metadata, …) is retried with a fresh one.
			w := want{code: 1, words: []string{strings.Split(f.name, "-")[0]}, maxRequests: 1}
			if f.retryAfter > 0 {
				w.words = append(w.words, "retry after 1s")
			}
			return w
		}
		return want{code: 0, maxRequests: 2}
	case "500-always":
		return want{code: 1, words: []string{"500"}, maxRequests: 3}
	case "hang":
		return want{code: 1, words: []string{hangTimeout}, maxRequests: 3}
	case "dropped-connection":
		return want{code: 1, words: []string{"EOF|connection"}, maxRequests: 3}
	case "truncated":
		return want{code: 1, words: []string{"EOF|connection|stream"}, maxRequests: 3}
	case "malformed-json":
		return want{code: 1, words: []string{"JSON|malformed|unexpected end"}, maxRequests: 3}
	case "oversized-body":
		return want{code: 1, words: []string{"large"}, maxRequests: 3}
	case "redirect":
		if onToken {
			return want{code: 1, words: []string{"redirect"}, maxRequests: 1}
		}
		// Not followed (hermes refuses it in its transport), but the SDK
		// retries that failure as it does a connection error: bounded.
		return want{code: 1, words: []string{"redirect"}, maxRequests: 3}
	}
	panic("no expectation for " + f.name)
}

// path is one row: a user path of hermes.
type path struct {
	name string
	// apiRoute is the API route the path calls.
	apiRoute string
	// usesAPI: the path calls the API (auth token does not).
	usesAPI bool
	// setup runs once before the seeding run (e.g. cron add).
	setup func(w *world)
	// run is one use of the path; its outcome's code is an exit code, or
	// for HTTP paths the status the client got.
	run  func(w *world) outcome
	http bool
	// session: an editor or terminal session, whose outcome is only
	// success (0) or a shown error (1), not an exit code.
	session bool
}

func paths() []path {
	return []path{
		{name: "auth-token", run: func(w *world) outcome { return w.run("auth", "token") }},
		{name: "auth-status-check", apiRoute: modelsRoute, usesAPI: true, run: func(w *world) outcome { return w.run("auth", "status", "--check") }},
		{name: "chat-q", apiRoute: messagesRoute, usesAPI: true, run: func(w *world) outcome { return w.run("chat", "-q", "hello") }},
		{name: "cron-run", apiRoute: messagesRoute, usesAPI: true,
			setup: func(w *world) { w.mustRun("cron", "add", "job", "--schedule", "@daily", "--prompt", "hello") },
			run:   func(w *world) outcome { return w.run("cron", "run", "job") }},
		{name: "gateway", apiRoute: messagesRoute, usesAPI: true, http: true, run: runGateway},
		{name: "exec", apiRoute: messagesRoute, usesAPI: true, http: true, run: runExec},
		{name: "acp", apiRoute: messagesRoute, usesAPI: true, session: true, run: runACP},
		{name: "chat-interactive", apiRoute: messagesRoute, usesAPI: true, session: true, run: runInteractive},
	}
}

// inSubset is the few cells `go test` runs without -tags faults (each is
// two processes; the race detector makes each take ~1 s on the shared
// machine): a retry that recovers, a runaway body (a regression), a
// refused exchange, a redirect of the token endpoint.
func inSubset(p path, onToken bool, f fault) bool {
	switch {
	case p.name == "chat-q" && !onToken:
		return f.name == "500-once" || f.name == "oversized-body"
	case p.name == "chat-q" && onToken:
		return f.name == "401"
	case p.name == "auth-token":
		return f.name == "redirect"
	}
	return false
}

func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	for _, p := range paths() {
		for _, onToken := range []bool{true, false} {
			if !onToken && !p.usesAPI {
				continue
			}
			route := tokenRoute
			if !onToken {
				route = p.apiRoute
			}
			for _, f := range faults() {
				if !fullMatrix && !inSubset(p, onToken, f) {
					continue
				}
				name := p.name + "/" + map[bool]string{true: "token", false: "api"}[onToken] + "/" + f.name
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					runCell(t, p, route, onToken, f)
				})
			}
		}
	}
}

func runCell(t *testing.T, p path, route string, onToken bool, f fault) {
	w := newWorld(t, worldOptions{})
	if p.setup != nil {
		p.setup(w)
	}
	// Seed: one good use of the path stores what it stores (token cache,
	// spent-assertion record, session, cron run record).
	if o := p.run(w); !succeeded(p, o) {
		t.Fatalf("seeding run failed: %s", o)
	}
	if onToken {
		// Time passes: the cached token expires and the identity token
		// is rotated, so this run must exchange again.
		expireCachedTokens(t, w.hh)
		w.rotateJWT()
	}
	before := takeSnapshot(t, w.hh)
	seen := len(w.requests(route))
	fl := f.api
	if onToken {
		fl = f.token
	}
	w.api.Fault(route, fl)

	o := p.run(w)
	wt := expect(f, onToken)
	if p.http {
		wt = httpExpect(p, f, onToken)
	}
	if p.session && wt.code != 0 {
		wt.code = 1
	}
	checkOutcome(t, w, p, o, wt)

	at := w.requests(route)[seen:]
	if len(at) > wt.maxRequests {
		t.Errorf("%d requests to %s, want at most %d: retries are not bounded", len(at), route, wt.maxRequests)
	}
	if f.retryAfter > 0 && len(at) > 1 {
		if gap := at[1].Sub(at[0]); gap < f.retryAfter {
			t.Errorf("retried after %v, before the %v the server asked for", gap, f.retryAfter)
		}
	}
	if !onToken && f.name == "401" {
		// The API refused the cached token: dropping it is right.
		for k := range before {
			if strings.HasPrefix(k, "cache/wif/") && strings.HasSuffix(k, ".json") {
				delete(before, k)
			}
		}
	}
	checkStore(t, w.hh, before)
	if onToken && o.code != 0 {
		// A failed refresh leaves the old cache entry as it was.
		after := takeSnapshot(t, w.hh)
		for k, v := range before {
			if strings.HasPrefix(k, "cache/wif/") && strings.HasSuffix(k, ".json") && after[k] != v {
				t.Errorf("a failed exchange changed the cached entry %s", k)
			}
		}
	}
}

func succeeded(p path, o outcome) bool {
	if p.http {
		return o.code == 200 && !strings.Contains(o.stderr, "client:")
	}
	return o.code == 0
}

func checkOutcome(t *testing.T, w *world, p path, o outcome, wt want) {
	t.Helper()
	if p.http && wt.broken {
		if o.code != wt.code || !strings.Contains(o.stderr, "client:") {
			t.Errorf("want status %d and a broken stream, got: %s", wt.code, o)
		}
	} else if o.code != wt.code {
		t.Errorf("want %s %d, got: %s", map[bool]string{true: "status", false: "exit code"}[p.http], wt.code, o)
	}
	if o.code != 0 && o.code != 200 {
		w.checkMessage(o, wt.words, p.name == "auth-status-check")
		if strings.TrimSpace(o.stderr+o.stdout) == "" {
			t.Error("failed without a word")
		}
	}
}

// httpExpect is what a client of the gateway (or of hermes exec's private
// gateway) gets.
func httpExpect(p path, f fault, onToken bool) want {
	w := expect(f, onToken)
	if onToken {
		// The gateway cannot get a token: the client is told so with a
		// status of the gateway's own: refused 401, unavailable 503
		// (with retry-after: SDKs retry it).
		switch w.code {
		case 0:
			w.code = 200
		case 4:
			w.code = 401
		default:
			w.code = 503
		}
		return w
	}
	switch f.name {
	case "400", "401", "403":
		w.code = map[string]int{"400": 400, "401": 401, "403": 403}[f.name]
	case "429-retry-after", "500-once", "529-once":
		// The gateway passes the API's answer through; the client (as the
		// SDKs do) decides to retry. Our client does not.
		w.code = map[string]int{"429-retry-after": 429, "500-once": 500, "529-once": 529}[f.name]
		w.maxRequests = 1
	case "500-always":
		w.code = 500
	case "hang":
		w.code = 504
	case "dropped-connection":
		w.code = 502
	case "truncated":
		w.code, w.broken = 200, true
	case "malformed-json":
		w.code, w.broken = 200, false
	case "oversized-body":
		w.code = 200
	case "redirect":
		// Never passed on: the client would follow it with its gateway key.
		w.code = 502
	}
	return w
}

// expireCachedTokens makes every cached WIF token an expired one, as time
// passing would.
func expireCachedTokens(t *testing.T, hh string) {
	t.Helper()
	entries, _ := filepath.Glob(filepath.Join(hh, "cache", "wif", "*.json"))
	if len(entries) == 0 {
		t.Fatal("the seeding run cached no token")
	}
	for _, e := range entries {
		b, err := os.ReadFile(e)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		m["expires_at"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
		m["obtained_at"] = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano)
		b, _ = json.Marshal(m)
		if err := os.WriteFile(e, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
