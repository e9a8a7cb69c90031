package gateway

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
)

// benchSetup is an upstream stand-in and a gateway in front of it, both on
// loopback, and a client pooled enough for parallel load.
type benchSetup struct {
	// upstreamLatency delays every non-streaming answer, as a real API's
	// processing time would (the zero value measures pure proxy overhead).
	upstreamLatency time.Duration
	direct, gateway string
	client          *http.Client
	release         chan struct{} // closes held streams
	firstSent       chan struct{}
}

func newBenchSetup(b *testing.B, latency time.Duration) *benchSetup {
	s := &benchSetup{upstreamLatency: latency, release: make(chan struct{}), firstSent: make(chan struct{}, 1024)}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Query().Get("stream") == "" {
			if s.upstreamLatency > 0 {
				time.Sleep(s.upstreamLatency) // simulated server work, not synchronisation
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, messageJSON)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, sseEvents[0])
		http.NewResponseController(w).Flush()
		if r.URL.Query().Get("stream") == "hold" {
			s.firstSent <- struct{}{}
			select {
			case <-s.release:
			case <-r.Context().Done():
			}
		}
		for _, ev := range sseEvents[1:] {
			io.WriteString(w, ev)
		}
	}))
	b.Cleanup(up.Close)
	rt := credential.NewStaticRuntime(up.URL, credential.ModeBearer, credential.KindWIF, "bench", "sk-ant-oat01-bench-token")
	gw, err := New(Options{Runtime: rt, Key: testKey})
	if err != nil {
		b.Fatal(err)
	}
	gs := httptest.NewServer(gw)
	b.Cleanup(gs.Close)
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	s.direct, s.gateway, s.client = up.URL, gs.URL, &http.Client{Transport: tr}
	return s
}

func (s *benchSetup) post(b *testing.B, base, query string) *http.Response {
	req, _ := http.NewRequest("POST", base+"/v1/messages"+query, strings.NewReader(`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("X-Api-Key", testKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	return resp
}

func (s *benchSetup) roundTrip(b *testing.B, base string) time.Duration {
	start := time.Now()
	resp := s.post(b, base, "")
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(start)
}

// firstEvent is the time until the first SSE event line arrives.
func (s *benchSetup) firstEvent(b *testing.B, base string) time.Duration {
	start := time.Now()
	resp := s.post(b, base, "?stream=1")
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		b.Fatal(err)
	}
	d := time.Since(start)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return d
}

func pct(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[int(float64(len(d)-1)*p)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkGateway compares direct-to-upstream with through-the-gateway on
// loopback. Run: go test -run '^$' -bench BenchmarkGateway -benchtime 2000x ./internal/gateway/
func BenchmarkGateway(b *testing.B) {
	b.Run("latency", func(b *testing.B) {
		s := newBenchSetup(b, 0)
		s.roundTrip(b, s.direct) // warm the pools
		s.roundTrip(b, s.gateway)
		var direct, via []time.Duration
		for b.Loop() {
			// Interleaved, so drift hits both alike.
			direct = append(direct, s.roundTrip(b, s.direct))
			via = append(via, s.roundTrip(b, s.gateway))
		}
		dp50, dp99 := pct(direct, .5), pct(direct, .99)
		gp50, gp99 := pct(via, .5), pct(via, .99)
		b.ReportMetric(ms(dp50), "direct-p50-ms")
		b.ReportMetric(ms(gp50), "gateway-p50-ms")
		b.ReportMetric(ms(gp50-dp50), "added-p50-ms")
		b.ReportMetric(ms(gp99-dp99), "added-p99-ms")
		b.ReportMetric(0, "ns/op")
	})
	for _, lat := range []time.Duration{0, 5 * time.Millisecond} {
		name := "throughput"
		if lat > 0 {
			name += "-upstream-" + lat.String()
		}
		b.Run(name, func(b *testing.B) {
			s := newBenchSetup(b, lat)
			const workers = 16
			run := func(base string) float64 {
				n := b.N
				var wg sync.WaitGroup
				work := make(chan struct{}, n)
				for range n {
					work <- struct{}{}
				}
				close(work)
				start := time.Now()
				for range workers {
					wg.Go(func() {
						for range work {
							s.roundTrip(b, base)
						}
					})
				}
				wg.Wait()
				return float64(n) / time.Since(start).Seconds()
			}
			run(s.direct)
			run(s.gateway)
			b.ResetTimer()
			d := run(s.direct)
			g := run(s.gateway)
			b.ReportMetric(d, "direct-req/s")
			b.ReportMetric(g, "gateway-req/s")
			b.ReportMetric(g/d, "ratio")
			b.ReportMetric(0, "ns/op")
		})
	}
	b.Run("ttfb", func(b *testing.B) {
		s := newBenchSetup(b, 0)
		s.firstEvent(b, s.direct)
		s.firstEvent(b, s.gateway)
		var direct, via []time.Duration
		for b.Loop() {
			direct = append(direct, s.firstEvent(b, s.direct))
			via = append(via, s.firstEvent(b, s.gateway))
		}
		b.ReportMetric(ms(pct(via, .5)-pct(direct, .5)), "added-first-event-p50-ms")
		b.ReportMetric(ms(pct(via, .99)-pct(direct, .99)), "added-first-event-p99-ms")
		b.ReportMetric(0, "ns/op")
	})
	b.Run("500streams", func(b *testing.B) {
		s := newBenchSetup(b, 0)
		b.ReportMetric(heldStreams(b, s, s.direct), "direct-MiB")
		s.release = make(chan struct{})
		b.ReportMetric(heldStreams(b, s, s.gateway), "gateway-MiB")
		b.ReportMetric(0, "ns/op")
	})
}

// heldStreams opens 500 streams, waits until each has its first event,
// and returns the heap+stack memory in use then (whole process: client,
// upstream and, through the gateway, the gateway too), in MiB. One round,
// whatever b.N: it measures a level, not a rate.
func heldStreams(b *testing.B, s *benchSetup, base string) float64 {
	const n = 500
	var used float64
	{
		resps := make([]*http.Response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { resps[i] = s.post(b, base, "?stream=hold") })
		}
		wg.Wait()
		for range n {
			<-s.firstSent
		}
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		used = float64(m.HeapInuse+m.StackInuse) / (1 << 20)
		close(s.release)
		for _, r := range resps {
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
		s.release = make(chan struct{})
	}
	return used
}
