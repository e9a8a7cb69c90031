package telemetry

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hermes-agent/hermes/internal/secret"
)

// exporterConfig is one signal's OTLP/HTTP settings, read from the
// standard variables: OTEL_EXPORTER_OTLP_X and its per-signal form
// OTEL_EXPORTER_OTLP_TRACES_X / _METRICS_X, the latter winning.
type exporterConfig struct {
	url      string // full URL of the signal's endpoint
	headers  map[string]string
	gzip     bool
	timeout  time.Duration
	tls      *tls.Config // nil: the system's roots, no client certificate
	protocol string
}

// defaultExportTimeout is the spec's OTEL_EXPORTER_OTLP_TIMEOUT default.
const defaultExportTimeout = 10 * time.Second

// signalVar reads OTEL_EXPORTER_OTLP_<SIGNAL>_<name>, else
// OTEL_EXPORTER_OTLP_<name>.
func signalVar(getenv func(string) string, signal, name string) string {
	if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + signal + "_" + name)); v != "" {
		return v
	}
	return strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + name))
}

// readExporterConfig reads signal's settings ("TRACES" or "METRICS",
// posted to path "/v1/traces" or "/v1/metrics" under the base endpoint).
// An error names the variable and never quotes a header value.
func readExporterConfig(getenv func(string) string, signal, path string) (*exporterConfig, error) {
	c := &exporterConfig{timeout: defaultExportTimeout}
	c.protocol = signalVar(getenv, signal, "PROTOCOL")
	switch c.protocol {
	case "", "http/protobuf":
	case "grpc":
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported; use http/protobuf (most collectors take both, on port 4317 for grpc and 4318 for http)")
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q is not supported; use http/protobuf", c.protocol)
	}

	// A per-signal endpoint is the full URL; the base one gets the
	// signal's path appended (the OTLP exporter specification's rule).
	name := "OTEL_EXPORTER_OTLP_" + signal + "_ENDPOINT"
	raw := strings.TrimSpace(getenv(name))
	full := raw != ""
	if !full {
		name = EndpointVar
		raw = strings.TrimSpace(getenv(name))
	}
	if raw == "" {
		raw = "http://localhost:4318"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s must be an http or https URL (e.g. http://localhost:4318)", name)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s must not carry a user or password; put the collector's credentials in %s", name, HeadersVar)
	}
	if !full {
		u.Path = strings.TrimRight(u.Path, "/") + path
	}
	c.url = u.String()

	c.headers, err = parseList(getenv(HeadersVar))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", HeadersVar, err)
	}
	sig, err := parseList(getenv("OTEL_EXPORTER_OTLP_" + signal + "_HEADERS"))
	if err != nil {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_%s_HEADERS: %v", signal, err)
	}
	for k, v := range sig {
		c.headers[k] = v
	}
	for _, v := range c.headers {
		secret.Remember(v) // never printed, whatever error echoes it
	}

	switch v := signalVar(getenv, signal, "COMPRESSION"); v {
	case "", "none":
	case "gzip":
		c.gzip = true
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_COMPRESSION=%q is not supported; use gzip or none", v)
	}
	if v := signalVar(getenv, signal, "TIMEOUT"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_TIMEOUT must be a positive number of milliseconds, not %q", v)
		}
		c.timeout = time.Duration(ms) * time.Millisecond
	}
	c.tls, err = readTLS(getenv, signal)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// readTLS builds the TLS settings from OTEL_EXPORTER_OTLP_CERTIFICATE (a
// PEM file of roots to trust) and _CLIENT_CERTIFICATE/_CLIENT_KEY.
func readTLS(getenv func(string) string, signal string) (*tls.Config, error) {
	ca := signalVar(getenv, signal, "CERTIFICATE")
	cert, key := signalVar(getenv, signal, "CLIENT_CERTIFICATE"), signalVar(getenv, signal, "CLIENT_KEY")
	if ca == "" && cert == "" && key == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CERTIFICATE: %v", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CERTIFICATE: %s holds no PEM certificate", ca)
		}
	}
	if (cert == "") != (key == "") {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY go together: set both or neither")
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE/KEY: %v", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// otlpClient posts OTLP/HTTP protobuf bodies to one endpoint.
type otlpClient struct {
	cfg  *exporterConfig
	http *http.Client

	mu     sync.Mutex
	closed bool
}

func newOTLPClient(cfg *exporterConfig) *otlpClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.tls != nil {
		tr.TLSClientConfig = cfg.tls
	}
	// Never follow a redirect: it could carry the collector's headers
	// (its credentials) elsewhere.
	return &otlpClient{cfg: cfg, http: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// errExporterClosed is what an export after Shutdown gets.
var errExporterClosed = errors.New("the telemetry exporter is shut down")

// export posts body, retrying what the OTLP specification calls
// retryable (429, 502, 503, 504, a failed connection) with backoff and
// the server's Retry-After, within the export timeout and ctx.
func (c *otlpClient) export(ctx context.Context, body []byte) error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return errExporterClosed
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	defer cancel()
	payload, encoding := body, ""
	if c.cfg.gzip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(body)
		zw.Close()
		payload, encoding = buf.Bytes(), "gzip"
	}
	wait := 250 * time.Millisecond
	for {
		retryAfter, err := c.post(ctx, payload, encoding)
		if err == nil {
			return nil
		}
		var r *retryable
		if !errors.As(err, &r) {
			return err
		}
		d := wait
		if retryAfter > 0 {
			d = retryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return err // no time left for another attempt
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(d):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// retryable marks a failure worth another attempt.
type retryable struct{ err error }

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

// post makes one attempt; a retryable failure is a *retryable, with the
// server's Retry-After when it gave one.
func (c *otlpClient) post(ctx context.Context, payload []byte, encoding string) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.url, bytes.NewReader(payload))
	if err != nil {
		return 0, err
	}
	for k, v := range c.cfg.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("User-Agent", "hermes-otlp")
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("no answer from %s within the export timeout", c.origin())
		}
		return 0, &retryable{fmt.Errorf("posting to %s: %s", c.origin(), secret.Outside(err.Error(), c.headerValues()...))}
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return 0, nil
	}
	err = fmt.Errorf("%s answered %d: %s", c.origin(), resp.StatusCode, secret.Outside(string(text), c.headerValues()...))
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return retryAfter(resp.Header.Get("Retry-After")), &retryable{err}
	}
	return 0, err
}

// origin names the collector without its path or query.
func (c *otlpClient) origin() string {
	u, err := url.Parse(c.cfg.url)
	if err != nil {
		return "the collector"
	}
	return u.Scheme + "://" + u.Host
}

func (c *otlpClient) headerValues() []string {
	out := make([]string, 0, len(c.cfg.headers))
	for _, v := range c.cfg.headers {
		out = append(out, v)
	}
	return out
}

// retryAfter reads a Retry-After in seconds (an HTTP date is rare from a
// collector and is treated as absent).
func retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

func (c *otlpClient) shutdown() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.http.CloseIdleConnections()
}

// traceExporter is an sdktrace.SpanExporter over OTLP/HTTP protobuf.
type traceExporter struct{ c *otlpClient }

var _ sdktrace.SpanExporter = (*traceExporter)(nil)

func (e *traceExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	return e.c.export(ctx, encodeTraces(spans))
}

func (e *traceExporter) Shutdown(context.Context) error {
	e.c.shutdown()
	return nil
}

// metricExporter is an sdkmetric.Exporter over OTLP/HTTP protobuf.
type metricExporter struct {
	c           *otlpClient
	temporality sdkmetric.TemporalitySelector
}

var _ sdkmetric.Exporter = (*metricExporter)(nil)

func (e *metricExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return e.temporality(k)
}

func (e *metricExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (e *metricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if rm == nil || len(rm.ScopeMetrics) == 0 {
		return nil
	}
	return e.c.export(ctx, encodeMetrics(rm))
}

func (e *metricExporter) ForceFlush(context.Context) error { return nil } // nothing is buffered here

func (e *metricExporter) Shutdown(context.Context) error {
	e.c.shutdown()
	return nil
}

// temporalitySelector reads OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE
// (cumulative, the default; delta; lowmemory) as the specification
// defines it.
func temporalitySelector(getenv func(string) string) (sdkmetric.TemporalitySelector, error) {
	const name = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"
	switch v := strings.ToLower(strings.TrimSpace(getenv(name))); v {
	case "", "cumulative":
		return sdkmetric.DefaultTemporalitySelector, nil
	case "delta":
		return func(k sdkmetric.InstrumentKind) metricdata.Temporality {
			switch k {
			case sdkmetric.InstrumentKindUpDownCounter, sdkmetric.InstrumentKindObservableUpDownCounter:
				return metricdata.CumulativeTemporality
			}
			return metricdata.DeltaTemporality
		}, nil
	case "lowmemory":
		return func(k sdkmetric.InstrumentKind) metricdata.Temporality {
			switch k {
			case sdkmetric.InstrumentKindCounter, sdkmetric.InstrumentKindHistogram:
				return metricdata.DeltaTemporality
			}
			return metricdata.CumulativeTemporality
		}, nil
	default:
		return nil, fmt.Errorf("%s=%q is not supported; use cumulative, delta or lowmemory", name, v)
	}
}
