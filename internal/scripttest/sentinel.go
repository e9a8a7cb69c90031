package scripttest

import (
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hermes-agent/hermes/internal/redisstandin"
	"github.com/hermes-agent/hermes/internal/secret"
)

// sentinelWindow is the length of the pieces of a sentinel that count as a
// leak: a secret cut short (a truncated error) leaks too. secret.Mask shows
// at most 3 characters at each end, so a mask never matches.
const sentinelWindow = 12

// credentialStores are the files under HERMES_HOME that may hold a
// secret, relative to it; a trailing slash is a whole directory.
var credentialStores = []string{"auth.json", "gateway.key", "cache/wif/"}

// cmdSentinel: sentinel VALUE [FILE...] — fail if VALUE, or any
// 12-byte piece of it, is in the previous command's stdout or stderr, in
// the named files, or in any file under $HERMES_HOME other than the
// credential stores (auth.json, gateway.key, cache/wif/). With !, fail
// unless one does (to test the check itself).
//
// -stdout-ok leaves stdout out (`auth token` and `auth env` print the
// credential by design). VALUE @FILE is the trimmed content of FILE;
// VALUE -doubles is every secret the doubles know (API keys, assertions,
// access and refresh tokens, codes minted or seen), each checked alike.
func cmdSentinel(ts *testscript.TestScript, neg bool, args []string) {
	stdoutOK := len(args) > 0 && args[0] == "-stdout-ok"
	if stdoutOK {
		args = args[1:]
	}
	if len(args) < 1 {
		ts.Fatalf("usage: sentinel [-stdout-ok] VALUE|@FILE|-doubles [FILE...]")
	}
	var values []string
	switch value := args[0]; {
	case value == "-doubles":
		for _, v := range doubles(ts).secrets() {
			if len(v) >= sentinelWindow {
				values = append(values, v)
			}
		}
	case strings.HasPrefix(value, "@"):
		values = []string{strings.TrimSpace(ts.ReadFile(value[1:]))}
	default:
		values = []string{value}
	}
	for _, v := range values {
		if len(v) < sentinelWindow {
			ts.Fatalf("sentinel: the value must be at least %d bytes", sentinelWindow)
		}
	}
	sources := map[string]string{"stderr": ts.ReadFile("stderr")}
	if !stdoutOK {
		sources["stdout"] = ts.ReadFile("stdout")
	}
	for _, f := range args[1:] {
		sources[f] = ts.ReadFile(f)
	}
	if home := ts.Getenv("HERMES_HOME"); home != "" {
		for name, text := range homeFiles(ts, home) {
			sources[name] = text
		}
	}
	var found []string
	for name, text := range sources {
		for _, v := range values {
			if leaks(text, v) {
				found = append(found, secret.Mask(v)+" in "+name)
			}
		}
	}
	sort.Strings(found)
	switch {
	case len(found) > 0 && !neg:
		ts.Fatalf("sentinel leaked: %s", strings.Join(found, ", "))
	case len(found) == 0 && neg:
		ts.Fatalf("no sentinel (%d values) found in %d sources, but ! sentinel expected one", len(values), len(sources))
	}
}

// publicPrefixes say a credential's kind and are shown by secret.Mask:
// they are no part of the secret.
var publicPrefixes = []string{"sk-ant-api03-", "sk-ant-oat01-", "sk-ant-ort01-", "sk-ant-admin01-", "sk-ant-", "hgw_"}

// leaks reports whether text holds value or a sentinelWindow-byte piece of
// what follows its public prefix.
func leaks(text, value string) bool {
	if strings.Contains(text, value) {
		return true
	}
	for _, p := range publicPrefixes {
		if strings.HasPrefix(value, p) {
			value = value[len(p):]
			break
		}
	}
	for i := 0; i+sentinelWindow <= len(value); i++ {
		if strings.Contains(text, value[i:i+sentinelWindow]) {
			return true
		}
	}
	return false
}

// homeFiles reads every regular file under home except the credential
// stores, keyed by "$HERMES_HOME/REL".
func homeFiles(ts *testscript.TestScript, home string) map[string]string {
	out := map[string]string{}
	err := filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && path == home {
				return filepath.SkipDir
			}
			return err
		}
		rel, _ := filepath.Rel(home, path)
		rel = filepath.ToSlash(rel)
		for _, s := range credentialStores {
			if rel == s || (strings.HasSuffix(s, "/") && (rel+"/" == s || strings.HasPrefix(rel, s))) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out["$HERMES_HOME/"+rel] = string(data)
		return nil
	})
	if err != nil {
		ts.Fatalf("sentinel: reading %s: %v", home, fmt.Sprint(err))
	}
	return out
}

// cmdFreePort: freeport VAR — sets VAR to a loopback port free right now,
// for a server a script starts in the background.
func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := ln.Addr().(*net.TCPAddr).Port
	ts.Check(ln.Close())
	ts.Setenv(args[0], strconv.Itoa(port))
}

// cmdHTTPGet: httpget URL [NAME:VALUE...] — GET URL with those headers and
// write "status N", "retry-after: V" when the answer has one, then the
// body, to stdout: for checking a server the script started in the
// background (hermes gateway's /readyz, /metrics, refusals).
func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: httpget URL [NAME:VALUE...]")
	}
	httpDo(ts, "httpget", http.MethodGet, args[0], nil, args[1:])
}

// cmdHTTPPost: httppost URL BODY [NAME:VALUE...] — as httpget, with a POST
// of BODY (a literal string).
func cmdHTTPPost(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: httppost URL BODY [NAME:VALUE...]")
	}
	httpDo(ts, "httppost", http.MethodPost, args[0], strings.NewReader(args[1]), args[2:])
}

func httpDo(ts *testscript.TestScript, cmd, method, target string, reqBody io.Reader, headers []string) {
	req, err := http.NewRequest(method, target, reqBody)
	ts.Check(err)
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			ts.Fatalf("%s: header %q is not NAME:VALUE", cmd, h)
		}
		req.Header.Add(name, strings.TrimSpace(value))
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "status %d\n", resp.StatusCode)
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		fmt.Fprintf(ts.Stdout(), "retry-after: %s\n", ra)
	}
	ts.Stdout().Write(body)
}

// cmdWaitHTTP: waithttp URL — waits (up to 20 s) until GET URL answers at
// all, for a server started in the background. It polls: there is no
// other signal to wait on from a script.
func cmdWaitHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waithttp URL")
	}
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		resp, err := client.Get(args[0])
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waithttp: %s did not answer: %v", args[0], err)
		}
		time.Sleep(delay)
	}
}

// cmdRedisServer: redisserver VAR — starts a private redis-server on
// loopback for the rest of the script and sets VAR to its redis:// URL;
// redisserver stop — stops it (the store becomes unreachable).
func cmdRedisServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: redisserver VAR | redisserver stop")
	}
	if args[0] == "stop" {
		v, ok := redisServers.Load(ts)
		if !ok {
			ts.Fatalf("redisserver stop: no redis-server started")
		}
		v.(*redisstandin.Server).Stop()
		return
	}
	dir := ts.MkAbs("redis-data")
	ts.Check(os.MkdirAll(dir, 0o700))
	// Scripts guard with [!exec:redis-server] skip, saying why.
	srv, err := redisstandin.Start(dir)
	ts.Check(err)
	redisServers.Store(ts, srv)
	ts.Defer(func() {
		srv.Stop()
		redisServers.Delete(ts)
	})
	ts.Setenv(args[0], srv.URL(0))
}

// redisServers: each script's redis-server, for redisserver stop.
var redisServers sync.Map
