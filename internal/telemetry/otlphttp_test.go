package telemetry

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestExporterConfigFromEnvironment(t *testing.T) {
	getenv := env(map[string]string{
		EndpointVar:                           "https://collector.example:4318/base/",
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "https://metrics.example/custom/path",
		HeadersVar:                            "authorization=Bearer%20shared,x-team=a",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS":   "x-team=traces",
		"OTEL_EXPORTER_OTLP_COMPRESSION":      "gzip",
		"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT":   "1500",
	})
	tr, err := readExporterConfig(getenv, "TRACES", "/v1/traces")
	if err != nil {
		t.Fatal(err)
	}
	if tr.url != "https://collector.example:4318/base/v1/traces" || !tr.gzip || tr.timeout != 1500*time.Millisecond {
		t.Errorf("traces: url %q gzip %v timeout %v", tr.url, tr.gzip, tr.timeout)
	}
	if tr.headers["authorization"] != "Bearer shared" || tr.headers["x-team"] != "traces" {
		t.Errorf("traces headers = %v (the per-signal value wins)", tr.headers)
	}
	m, err := readExporterConfig(getenv, "METRICS", "/v1/metrics")
	if err != nil {
		t.Fatal(err)
	}
	// A per-signal endpoint is used as given, with no path appended.
	if m.url != "https://metrics.example/custom/path" || m.timeout != defaultExportTimeout || m.headers["x-team"] != "a" {
		t.Errorf("metrics: url %q timeout %v headers %v", m.url, m.timeout, m.headers)
	}
	def, err := readExporterConfig(env(nil), "TRACES", "/v1/traces")
	if err != nil || def.url != "http://localhost:4318/v1/traces" {
		t.Errorf("default = %+v, %v", def, err)
	}
}

func TestTemporalityPreference(t *testing.T) {
	for pref, want := range map[string][2]metricdata.Temporality{
		"":          {metricdata.CumulativeTemporality, metricdata.CumulativeTemporality},
		"delta":     {metricdata.DeltaTemporality, metricdata.DeltaTemporality},
		"LowMemory": {metricdata.DeltaTemporality, metricdata.CumulativeTemporality},
	} {
		sel, err := temporalitySelector(env(map[string]string{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": pref}))
		if err != nil {
			t.Fatal(err)
		}
		got := [2]metricdata.Temporality{sel(sdkmetric.InstrumentKindCounter), sel(sdkmetric.InstrumentKindObservableCounter)}
		if got != want {
			t.Errorf("%q: counter, observable counter = %v, want %v", pref, got, want)
		}
		if sel(sdkmetric.InstrumentKindUpDownCounter) != metricdata.CumulativeTemporality {
			t.Errorf("%q: an up-down counter must stay cumulative", pref)
		}
	}
}

// collector answers each request with the next status of script (then
// 200), recording what it got.
type collector struct {
	mu      sync.Mutex
	script  []int
	bodies  [][]byte
	headers []http.Header
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.bodies = append(c.bodies, b)
	c.headers = append(c.headers, r.Header.Clone())
	status := http.StatusOK
	if len(c.script) > 0 {
		status, c.script = c.script[0], c.script[1:]
	}
	c.mu.Unlock()
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "0")
	}
	w.WriteHeader(status)
	// A hostile or confused collector echoes the request's credentials.
	io.WriteString(w, "refused: "+r.Header.Get("Authorization"))
}

func (c *collector) requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.bodies)
}

func testClient(url string, headers map[string]string, gz bool) *otlpClient {
	return newOTLPClient(&exporterConfig{url: url, headers: headers, gzip: gz, timeout: 5 * time.Second})
}

func TestExportRetriesRetryableAnswers(t *testing.T) {
	col := &collector{script: []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusBadGateway}}
	srv := httptest.NewServer(col)
	defer srv.Close()
	c := testClient(srv.URL+"/v1/traces", map[string]string{"Authorization": "Bearer collector-s3cret"}, true)
	if err := c.export(context.Background(), []byte("payload")); err != nil {
		t.Fatalf("export: %v", err)
	}
	if n := col.requests(); n != 4 {
		t.Fatalf("%d attempts, want 4 (three retryable answers, then success)", n)
	}
	h := col.headers[3]
	if h.Get("Content-Type") != "application/x-protobuf" || h.Get("Content-Encoding") != "gzip" || h.Get("Authorization") != "Bearer collector-s3cret" {
		t.Errorf("headers = %v", h)
	}
	zr, err := gzip.NewReader(bytes.NewReader(col.bodies[3]))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); string(b) != "payload" {
		t.Errorf("body = %q", b)
	}
}

// A refusal that a retry cannot fix is reported at once, with the
// collector's text but never the credentials it echoed.
func TestExportDoesNotRetryClientErrorsAndRedacts(t *testing.T) {
	col := &collector{script: []int{http.StatusUnauthorized}}
	srv := httptest.NewServer(col)
	defer srv.Close()
	c := testClient(srv.URL+"/v1/metrics", map[string]string{"Authorization": "Bearer collector-s3cret"}, false)
	err := c.export(context.Background(), []byte("x"))
	if err == nil || col.requests() != 1 {
		t.Fatalf("err = %v after %d attempts, want one failed attempt", err, col.requests())
	}
	if !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "collector-s3cret") || strings.Contains(err.Error(), "/v1/metrics") {
		t.Errorf("error = %q: want the status, no header value, no path", err)
	}
}

// A redirect could carry the collector's credentials elsewhere: it is an
// error, and the other origin gets nothing.
func TestExportNeverFollowsRedirects(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/v1/traces", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c := testClient(srv.URL+"/v1/traces", map[string]string{"Authorization": "Bearer s3cret"}, false)
	if err := c.export(context.Background(), []byte("x")); err == nil || !strings.Contains(err.Error(), "307") {
		t.Fatalf("err = %v, want the 307 reported", err)
	}
	if elsewhere.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
}

// Retries stop at the export timeout: a collector that keeps saying 503
// does not hold a command past its bound.
func TestExportRetriesStopAtTheTimeout(t *testing.T) {
	col := &collector{script: make([]int, 1000)}
	for i := range col.script {
		col.script[i] = http.StatusBadGateway
	}
	srv := httptest.NewServer(col)
	defer srv.Close()
	c := newOTLPClient(&exporterConfig{url: srv.URL, timeout: 600 * time.Millisecond})
	err := c.export(context.Background(), []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("err = %v, want the last 502", err)
	}
	if n := col.requests(); n < 2 || n > 4 {
		t.Errorf("%d attempts within 600 ms, want a few with backoff", n)
	}
}

func TestExportAfterShutdownFails(t *testing.T) {
	col := &collector{}
	srv := httptest.NewServer(col)
	defer srv.Close()
	e := &traceExporter{c: testClient(srv.URL, nil, false)}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.c.export(context.Background(), []byte("x")); !errors.Is(err, errExporterClosed) || col.requests() != 0 {
		t.Fatalf("err = %v, requests %d", err, col.requests())
	}
}
