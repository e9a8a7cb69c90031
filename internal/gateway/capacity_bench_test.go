package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// BenchmarkGatewayCapacity sizes one replica of the shared gateway as
// deploy/kubernetes/gateway runs it: clients authenticate with their own
// JWTs (verified per request against cached JWKS), limits and metrics on.
// Run: go test -run '^$' -bench GatewayCapacity -benchtime 2000x ./internal/gateway/
func BenchmarkGatewayCapacity(b *testing.B) {
	iss := oidctest.New(b)
	jwt := iss.Mint(oidctest.Claims{Subject: teamA, Audience: []string{gwAudience}, TTL: time.Hour})
	setup := func(b *testing.B, latency time.Duration) *benchSetup {
		s := newBenchSetup(b, latency)
		rt := credential.NewStaticRuntime(s.direct, credential.ModeBearer, credential.KindWIF, "bench", "sk-ant-oat01-bench-token")
		gw, err := New(Options{Runtime: rt, Key: testKey, AllowRemote: true,
			ClientAuth: &ClientAuth{Issuers: []string{iss.URL}, Audiences: []string{gwAudience}, Subjects: []string{"system:serviceaccount:team-a:*"}},
			Limits:     ClientLimits{MaxStreams: 100000, RPM: 100000000}})
		if err != nil {
			b.Fatal(err)
		}
		gs := httptest.NewServer(gw)
		b.Cleanup(gs.Close)
		s.gateway = gs.URL
		return s
	}
	call := func(b *testing.B, s *benchSetup, query string) *http.Response {
		req, _ := http.NewRequest("POST", s.gateway+"/v1/messages"+query, strings.NewReader(`{"model":"m","max_tokens":1,"messages":[]}`))
		req.Header.Set("Authorization", "Bearer "+jwt)
		resp, err := s.client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		return resp
	}
	b.Run("jwt-req-per-s-upstream-5ms", func(b *testing.B) {
		s := setup(b, 5*time.Millisecond)
		const workers = 64
		work := make(chan struct{}, b.N)
		for range b.N {
			work <- struct{}{}
		}
		close(work)
		var wg sync.WaitGroup
		start := time.Now()
		for range workers {
			wg.Go(func() {
				for range work {
					resp := call(b, s, "")
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		wg.Wait()
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		b.ReportMetric(0, "ns/op")
	})
	b.Run("jwt-verify-cpu", func(b *testing.B) {
		v, err := newClientVerifier(ClientAuth{Issuers: []string{iss.URL}, Audiences: []string{gwAudience}, Subjects: []string{"system:serviceaccount:team-a:*"}})
		if err != nil {
			b.Fatal(err)
		}
		ctx := b.Context()
		// verify, not Verify: Verify remembers an accepted token, and this
		// measures what a new token costs (signature, claims, subject).
		for b.Loop() {
			if _, _, r := v.verify(ctx, jwt); r != nil {
				b.Fatal(r)
			}
		}
	})
	b.Run("jwt-verify-cached-cpu", func(b *testing.B) {
		v, err := newClientVerifier(ClientAuth{Issuers: []string{iss.URL}, Audiences: []string{gwAudience}, Subjects: []string{"system:serviceaccount:team-a:*"}})
		if err != nil {
			b.Fatal(err)
		}
		ctx := b.Context()
		for b.Loop() {
			if _, r := v.Verify(ctx, jwt); r != nil {
				b.Fatal(r)
			}
		}
	})
	b.Run("held-streams-1000", func(b *testing.B) {
		s := setup(b, 0)
		const n = 1000
		base := memInUse()
		resps := make([]*http.Response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { resps[i] = call(b, s, "?stream=hold") })
		}
		wg.Wait()
		for range n {
			<-s.firstSent
		}
		held := memInUse()
		close(s.release)
		for _, r := range resps {
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
		// Whole process: each stream costs a client conn, a gateway server
		// conn, a gateway upstream conn and an upstream server conn.
		b.ReportMetric((held-base)/n*1024, "KiB/stream(all-4-hops)")
		b.ReportMetric(0, "ns/op")
	})
}

func memInUse() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse+m.StackInuse) / (1 << 20)
}
