package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/gateway/gatewaytest"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

func TestRunServesWithKeyFromHome(t *testing.T) {
	iss := oidctest.New(t)
	api := anthropictest.New(t, anthropictest.Config{Issuer: iss})
	rt, _ := gatewaytest.Runtime(iss, api.URL)
	home := t.TempDir()
	ios, _, out, errOut := iostreams.Test()
	addrc := make(chan string, 1)
	opts := &Options{
		IO:           ios,
		Resolve:      func(context.Context) (*credential.Runtime, error) { return rt, nil },
		HermesHome:   func() (string, error) { return home, nil },
		Listen:       "127.0.0.1:0",
		MaxBodyBytes: 1 << 20,
		ready:        func(a string) { addrc <- a },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	addr := <-addrc

	keyFile := filepath.Join(home, "gateway.key")
	info, err := os.Stat(keyFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", err, info)
	}
	b, _ := os.ReadFile(keyFile)
	key := strings.TrimSpace(string(b))

	req, _ := http.NewRequest("GET", "http://"+addr+"/v1/models", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("anthropic-version", "2023-06-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
	resp, err = http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	hb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(hb), `"kind":"wif"`) {
		t.Errorf("healthz %d %s", resp.StatusCode, hb)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	stderr := errOut.String()
	for _, want := range []string{"listening on http://" + addr, "upstream:   " + api.URL, "anthropic-wif", keyFile, "ANTHROPIC_AUTH_TOKEN=$(cat " + keyFile + ")"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, s := range append(api.Secrets(), key) {
		if strings.Contains(stderr+out.String(), s) {
			t.Errorf("output contains a secret (%d bytes)", len(s))
		}
	}
	if out.Len() != 0 {
		t.Errorf("stdout not empty: %q", out)
	}
}

// The first signal stops gracefully and says how to stop now; a second one
// closes a stream that would otherwise keep the gateway up for the whole
// grace period (an hour here: without the fix the test hangs).
func TestSecondSignalStopsNow(t *testing.T) {
	iss := oidctest.New(t)
	api := anthropictest.New(t, anthropictest.Config{Issuer: iss})
	api.Fault("/v1/models", anthropictest.Fault{Latency: time.Hour})
	rt, _ := gatewaytest.Runtime(iss, api.URL)
	home := t.TempDir()
	ios, _, _, errOut := iostreams.Test()
	addrc := make(chan string, 1)
	sigs := make(chan os.Signal, 2)
	opts := &Options{
		IO:            ios,
		Resolve:       func(context.Context) (*credential.Runtime, error) { return rt, nil },
		HermesHome:    func() (string, error) { return home, nil },
		Listen:        "127.0.0.1:0",
		MaxBodyBytes:  1 << 20,
		ShutdownGrace: time.Hour,
		ready:         func(a string) { addrc <- a },
		signals:       sigs,
	}
	done := make(chan error, 1)
	go func() { done <- Run(context.Background(), opts) }()
	addr := <-addrc
	b, _ := os.ReadFile(filepath.Join(home, "gateway.key"))

	req, _ := http.NewRequest("GET", "http://"+addr+"/v1/models", nil)
	req.Header.Set("x-api-key", strings.TrimSpace(string(b)))
	req.Header.Set("anthropic-version", "2023-06-01")
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	respc := make(chan error, 1)
	go func() {
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		respc <- err
	}()
	// Wait until the gateway holds the request upstream.
	for len(api.Requests()) == 0 {
		runtime.Gosched()
	}
	sigs <- syscall.SIGTERM
	sigs <- syscall.SIGINT
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	<-respc
	if !strings.Contains(errOut.String(), "again to stop now") {
		t.Errorf("stderr does not say how to stop now:\n%s", errOut)
	}
}

func TestPortInUseIsHumanised(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, port, _ := net.SplitHostPort(taken.Addr().String())
	ios, _, _, _ := iostreams.Test()
	opts := &Options{
		IO: ios,
		Resolve: func(context.Context) (*credential.Runtime, error) {
			return credential.NewStaticRuntime("http://127.0.0.1:1", credential.ModeAPIKey, credential.KindAPIKey, "t", "sk-ant-api03-unused"), nil
		},
		HermesHome:   func() (string, error) { return t.TempDir(), nil },
		Listen:       taken.Addr().String(),
		MaxBodyBytes: 1 << 20,
	}
	err = Run(context.Background(), opts)
	want := "port " + port + " is in use; pass --listen 127.0.0.1:0 for any free port or stop the other gateway"
	if err == nil || err.Error() != want {
		t.Fatalf("Run on a taken port: %v\nwant %q", err, want)
	}
}

// With --log-format json every line on stderr is one JSON object — the
// banner and the stop messages too — so a cluster's log pipeline can parse
// the stream; the banner still names the key file, never the key.
func TestJSONLogFormatKeepsStderrJSON(t *testing.T) {
	iss := oidctest.New(t)
	api := anthropictest.New(t, anthropictest.Config{Issuer: iss})
	rt, _ := gatewaytest.Runtime(iss, api.URL)
	home := t.TempDir()
	ios, _, _, errOut := iostreams.Test()
	logger, err := accessLogger(errOut, "json", false)
	if err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	sigs := make(chan os.Signal, 1)
	opts := &Options{
		IO:           ios,
		Resolve:      func(context.Context) (*credential.Runtime, error) { return rt, nil },
		HermesHome:   func() (string, error) { return home, nil },
		Listen:       "127.0.0.1:0",
		MaxBodyBytes: 1 << 20,
		LogFormat:    "json",
		Logger:       logger,
		ready:        func(a string) { addrc <- a },
		signals:      sigs,
	}
	done := make(chan error, 1)
	go func() { done <- Run(context.Background(), opts) }()
	addr := <-addrc
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sigs <- syscall.SIGTERM
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	key, _ := os.ReadFile(filepath.Join(home, "gateway.key"))
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(errOut.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("stderr line is not JSON: %q", line)
			continue
		}
		msgs = append(msgs, fmt.Sprint(rec["msg"]))
		if rec["msg"] == "hermes gateway listening" && (rec["url"] != "http://"+addr || rec["key_file"] != filepath.Join(home, "gateway.key")) {
			t.Errorf("banner record: %v", rec)
		}
	}
	if want := []string{"hermes gateway listening", "gateway request", "hermes gateway: stopping; open streams may finish (Ctrl-C or SIGTERM again to stop now)", "hermes gateway: stopped"}; !slices.Equal(msgs, want) {
		t.Errorf("records %q, want %q", msgs, want)
	}
	if strings.Contains(errOut.String(), strings.TrimSpace(string(key))) {
		t.Error("stderr shows the gateway key")
	}
}

// blockingSource hands out a token only when released, and says when it
// is asked: a readiness probe can be held in flight.
type blockingSource struct {
	asked   chan struct{}
	release chan struct{}
}

func (s *blockingSource) Token(ctx context.Context) (credential.Token, error) {
	s.asked <- struct{}{}
	<-s.release
	return credential.Token{Value: "tok-test", Expiry: time.Now().Add(time.Hour)}, nil
}

// SIGTERM turns readiness false at once: a /readyz probe already in flight
// when the signal arrives answers 503 "draining", even though its token
// then arrives (without the Drain call in Run it says 200 "ready").
func TestSIGTERMTurnsReadinessFalse(t *testing.T) {
	src := &blockingSource{asked: make(chan struct{}, 1), release: make(chan struct{})}
	rt := &credential.Runtime{BaseURL: "http://127.0.0.1:1", Mode: credential.ModeBearer, Kind: credential.KindWIF, Source: "test", Tokens: src}
	ios, _, _, _ := iostreams.Test()
	errOut := &iostreams.SyncBuffer{} // written by the signal goroutine
	ios.ErrOut = errOut
	addrc := make(chan string, 1)
	sigs := make(chan os.Signal, 1)
	opts := &Options{
		IO:           ios,
		Resolve:      func(context.Context) (*credential.Runtime, error) { return rt, nil },
		HermesHome:   func() (string, error) { return t.TempDir(), nil },
		Listen:       "127.0.0.1:0",
		MaxBodyBytes: 1 << 20,
		ready:        func(a string) { addrc <- a },
		signals:      sigs,
	}
	done := make(chan error, 1)
	go func() { done <- Run(context.Background(), opts) }()
	addr := <-addrc
	type answer struct {
		status int
		body   string
	}
	probe := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			probe <- answer{0, err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		probe <- answer{resp.StatusCode, string(b)}
	}()
	<-src.asked // the probe waits for a token
	sigs <- syscall.SIGTERM
	for !strings.Contains(errOut.String(), "stopping") {
		runtime.Gosched()
	}
	close(src.release)
	if a := <-probe; a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, "draining") {
		t.Errorf("readyz in flight at SIGTERM: %d %s", a.status, a.body)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}
