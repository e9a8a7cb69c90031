package acp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/wif/wiftest"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// TestSoakShort is the default-path ACP soak: a short, small version of
// the -tags soak run (see soak_long_test.go), sized for the race detector
// on a shared 2-core machine.
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: skipped with -short")
	}
	sessions, dur := 50, 5*time.Second
	if v, err := strconv.Atoi(os.Getenv("HERMES_SOAK_SESSIONS")); err == nil && v > 0 {
		sessions = v
	}
	if v, err := time.ParseDuration(os.Getenv("HERMES_SOAK_DURATION")); err == nil && v > 0 {
		dur = v
	}
	runSoak(t, sessions, dur)
}

// soakClient is the editor in the soak: it keeps only each session's
// answer text to the running prompt (the soak would otherwise hold every
// update of thousands of turns).
type soakClient struct {
	testClient
	mu      sync.Mutex
	answers map[sdk.SessionId]*strings.Builder
	chunks  atomic.Int64
}

func (c *soakClient) SessionUpdate(_ context.Context, n sdk.SessionNotification) error {
	m := n.Update.AgentMessageChunk
	if m == nil || m.Content.Text == nil {
		return nil
	}
	c.chunks.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.answers[n.SessionId]
	if b == nil {
		b = &strings.Builder{}
		c.answers[n.SessionId] = b
	}
	b.WriteString(m.Content.Text.Text)
	return nil
}

// take returns and clears the answer streamed so far in session id.
func (c *soakClient) take(id sdk.SessionId) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.answers[id]
	if b == nil {
		return ""
	}
	s := b.String()
	b.Reset()
	return s
}

// runSoak puts one ACP server, with the real WIF source (disk cache and
// spent-assertion record included), in front of the stand-in minting
// tokens that expire every 3 s; identity tokens come fresh per fetch from
// a GitHub Actions-style endpoint whose issuer rotates its signing key.
// One editor connection opens sessions that each prompt in a loop (the
// answers streamed), while a 401 is injected now and then. It asserts: every
// prompt ended with end_turn and its whole answer, no assertion was
// exchanged twice, no more exchanges than refresh windows (of the run's
// measured length) and injected 401s, no secret reached the log,
// goroutines return to baseline after Close (waiting as long as the run
// took). It reports latency percentiles; it never asserts on timing.
func runSoak(t *testing.T, sessions int, dur time.Duration) {
	baseGoroutines := runtime.NumGoroutine()
	churn := wiftest.NewChurn(t)
	api := churn.API
	e := &env{t: t, s: api, home: t.TempDir(), cwd: t.TempDir(), stderr: &iostreams.SyncBuffer{}}
	e.vars = map[string]string{"HERMES_HOME": e.home}
	e.rt = &credential.Runtime{BaseURL: api.URL, Mode: credential.ModeBearer, Kind: credential.KindWIF, Source: "soak", Tokens: churn.Source}
	cfg := e.config()
	// Info, not Debug: the log is kept whole for the secret check below.
	cfg.Logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	cl := &soakClient{answers: map[sdk.SessionId]*strings.Builder{}}
	c2aR, c2aW := io.Pipe()
	a2cR, a2cW := io.Pipe()
	srv := NewServer(cfg)
	srv.Attach(a2cW, c2aR)
	c := sdk.NewClientSideConnection(cl, c2aW, a2cR)
	var closeOnce sync.Once
	closeAll := func() { // the editor quits: connection and server closed
		closeOnce.Do(func() {
			c2aW.Close()
			srv.Close()
			a2cW.Close()
		})
	}
	t.Cleanup(closeAll)
	ctx := context.Background()
	if _, err := c.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: sdk.ProtocolVersionNumber}); err != nil {
		t.Fatal(err)
	}
	ids := make([]sdk.SessionId, sessions)
	for i := range ids {
		ns, err := c.NewSession(ctx, sdk.NewSessionRequest{Cwd: e.cwd, McpServers: []sdk.McpServer{}})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = ns.SessionId
	}

	var (
		mu        sync.Mutex
		latencies []time.Duration
		failures  []string
		prompts   atomic.Int64
		injected  atomic.Int64
	)
	stop := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for s, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				if n := prompts.Add(1); n%97 == 0 {
					// The API refuses the next token once: the transport
					// must re-exchange and replay, invisibly to the editor.
					api.Fault("/v1/messages", anthropictest.Fault{Status: 401, Times: 1})
					injected.Add(1)
				}
				text := fmt.Sprintf("s%d p%d", s, i)
				t0 := time.Now()
				resp, err := c.Prompt(ctx, sdk.PromptRequest{SessionId: id, Prompt: []sdk.ContentBlock{sdk.TextBlock(text)}})
				d := time.Since(t0)
				answer := cl.take(id)
				var fail string
				switch {
				case err != nil:
					fail = fmt.Sprintf("%s: %v", text, err)
				case resp.StopReason != sdk.StopReasonEndTurn:
					fail = fmt.Sprintf("%s: stop reason %q", text, resp.StopReason)
				case answer != "echo: "+text:
					fail = fmt.Sprintf("%s: answer %q", text, answer)
				}
				mu.Lock()
				if fail != "" {
					failures = append(failures, fail)
				} else {
					latencies = append(latencies, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	closeAll()
	churn.Close()

	if len(failures) > 0 {
		t.Errorf("%d of %d prompts failed; first: %s", len(failures), len(latencies)+len(failures), failures[0])
	}
	// Correctness only, as in the gateway's soak: a loaded machine may
	// make fewer exchanges (fewer prompts), never a replayed or needless one.
	if err := api.CheckNoStampede(elapsed, int(injected.Load())); err != nil {
		t.Error(err)
	}
	log := e.stderr.String()
	for _, sec := range api.Secrets() {
		if strings.Contains(log, sec) {
			t.Error("a token or assertion reached the log")
			break
		}
	}
	if !wiftest.GoroutinesBackToWithin(baseGoroutines+2, max(10*time.Second, elapsed)) {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d after the soak, %d before\n%s", runtime.NumGoroutine(), baseGoroutines, buf[:runtime.Stack(buf, true)])
	}

	t.Logf("acp soak: %d sessions on one connection, %v: %d prompts (%.0f/s, %d streamed chunks), %d exchanges for %d refresh windows + %d injected 401s; prompt latency p50 %v p99 %v",
		sessions, elapsed.Round(time.Millisecond), len(latencies), float64(len(latencies))/elapsed.Seconds(), cl.chunks.Load(),
		api.ExchangeCount(), wiftest.Windows(elapsed), injected.Load(), wiftest.Percentile(latencies, 0.50), wiftest.Percentile(latencies, 0.99))
}
