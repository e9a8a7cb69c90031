// Package otlpstandin is an OTLP/HTTP receiver on loopback for tests and
// scripts: it decodes the metrics and traces hermes exports (protobuf,
// optionally gzip) and keeps them, with the raw bodies, so a test can
// check names, attributes and that no secret was exported. It does not
// import testing: the testscript command otlp uses it too.
package otlpstandin

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Point is one exported metric data point (or span): its name, its
// attributes and, for metrics, its value.
type Point struct {
	Name  string
	Attrs map[string]string
	Value float64
}

// Span is one exported span.
type Span struct {
	Name     string
	Attrs    map[string]string
	TraceID  string
	SpanID   string
	ParentID string
	Resource map[string]string
}

// Server is a running receiver.
type Server struct {
	URL string

	srv *http.Server
	ln  net.Listener

	mu      sync.Mutex
	metrics []Point
	spans   []Span
	raw     [][]byte
	headers []http.Header
}

// Start listens on a loopback port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/metrics", s.handleMetrics)
	mux.HandleFunc("POST /v1/traces", s.handleTraces)
	s.srv = &http.Server{Handler: mux}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the receiver.
func (s *Server) Close() { s.srv.Close() }

func (s *Server) body(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	var rd io.Reader = http.MaxBytesReader(w, r.Body, 16<<20)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(rd)
		if err != nil {
			http.Error(w, "bad gzip", http.StatusBadRequest)
			return nil, false
		}
		rd = zr
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return nil, false
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		http.Error(w, "want application/x-protobuf, got "+ct, http.StatusUnsupportedMediaType)
		return nil, false
	}
	s.mu.Lock()
	s.raw = append(s.raw, b)
	s.headers = append(s.headers, r.Header.Clone())
	s.mu.Unlock()
	return b, true
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	b, ok := s.body(w, r)
	if !ok {
		return
	}
	// MetricsData has the wire format of ExportMetricsServiceRequest
	// (resource_metrics = 1) without the collector package, which links gRPC.
	var req metricpb.MetricsData
	if err := proto.Unmarshal(b, &req); err != nil {
		http.Error(w, "bad protobuf: "+err.Error(), http.StatusBadRequest)
		return
	}
	var pts []Point
	for _, rm := range req.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				pts = append(pts, points(m)...)
			}
		}
	}
	s.mu.Lock()
	s.metrics = append(s.metrics, pts...)
	s.mu.Unlock()
	reply(w)
}

func (s *Server) handleTraces(w http.ResponseWriter, r *http.Request) {
	b, ok := s.body(w, r)
	if !ok {
		return
	}
	// TracesData is ExportTraceServiceRequest on the wire (resource_spans = 1).
	var req tracepb.TracesData
	if err := proto.Unmarshal(b, &req); err != nil {
		http.Error(w, "bad protobuf: "+err.Error(), http.StatusBadRequest)
		return
	}
	var spans []Span
	for _, rs := range req.ResourceSpans {
		res := attrs(rs.GetResource().GetAttributes())
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				spans = append(spans, Span{Name: sp.Name, Attrs: attrs(sp.Attributes), Resource: res,
					TraceID: fmt.Sprintf("%x", sp.TraceId), SpanID: fmt.Sprintf("%x", sp.SpanId), ParentID: fmt.Sprintf("%x", sp.ParentSpanId)})
			}
		}
	}
	s.mu.Lock()
	s.spans = append(s.spans, spans...)
	s.mu.Unlock()
	reply(w)
}

// reply is a full success: an Export*ServiceResponse with no partial
// success field, which is zero bytes of protobuf.
func reply(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

func numberValue(dp *metricpb.NumberDataPoint) float64 {
	if v, ok := dp.GetValue().(*metricpb.NumberDataPoint_AsInt); ok {
		return float64(v.AsInt)
	}
	return dp.GetAsDouble()
}

func points(m *metricpb.Metric) []Point {
	var out []Point
	if sum := m.GetSum(); sum != nil {
		for _, dp := range sum.DataPoints {
			out = append(out, Point{Name: m.GetName(), Attrs: attrs(dp.Attributes), Value: numberValue(dp)})
		}
	}
	if g := m.GetGauge(); g != nil {
		for _, dp := range g.DataPoints {
			out = append(out, Point{Name: m.GetName(), Attrs: attrs(dp.Attributes), Value: numberValue(dp)})
		}
	}
	if h := m.GetHistogram(); h != nil {
		for _, dp := range h.DataPoints {
			out = append(out, Point{Name: m.GetName(), Attrs: attrs(dp.Attributes), Value: float64(dp.Count)})
		}
	}
	return out
}

func attrs(kvs []*commonpb.KeyValue) map[string]string {
	out := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		out[kv.Key] = anyValue(kv.Value)
	}
	return out
}

func anyValue(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return fmt.Sprint(x.IntValue)
	case *commonpb.AnyValue_DoubleValue:
		return fmt.Sprint(x.DoubleValue)
	case *commonpb.AnyValue_BoolValue:
		return fmt.Sprint(x.BoolValue)
	}
	return v.String()
}

// Metrics are the data points received so far.
func (s *Server) Metrics() []Point {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Point(nil), s.metrics...)
}

// Spans are the spans received so far.
func (s *Server) Spans() []Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Span(nil), s.spans...)
}

// Raw is every body and header received, for secret checks: protobuf
// keeps strings as they are, so a secret exported anywhere is in here.
func (s *Server) Raw() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var buf bytes.Buffer
	for i, b := range s.raw {
		buf.Write(b)
		buf.WriteByte('\n')
		for k, v := range s.headers[i] {
			fmt.Fprintf(&buf, "%s: %s\n", k, strings.Join(v, ","))
		}
	}
	return buf.Bytes()
}

// Dump is what was received as sorted text lines:
//
//	metric NAME k=v k=v value=N
//	span NAME k=v k=v parent=yes|no
//
// Metric points of one name and attributes appear once with their last
// value (cumulative sums).
func (s *Server) Dump() string {
	var lines []string
	seen := map[string]int{}
	for _, p := range s.Metrics() {
		key := "metric " + p.Name + " " + kvLine(p.Attrs)
		if i, ok := seen[key]; ok {
			lines[i] = fmt.Sprintf("%s value=%g", key, p.Value)
			continue
		}
		seen[key] = len(lines)
		lines = append(lines, fmt.Sprintf("%s value=%g", key, p.Value))
	}
	ids := map[string]bool{}
	spans := s.Spans()
	for _, sp := range spans {
		ids[sp.SpanID] = true
	}
	for _, sp := range spans {
		parent := "none"
		if ids[sp.ParentID] {
			parent = parentName(spans, sp.ParentID)
		}
		lines = append(lines, fmt.Sprintf("span %s %s parent=%s service=%s", sp.Name, kvLine(sp.Attrs), parent, sp.Resource["service.name"]))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func parentName(spans []Span, id string) string {
	for _, sp := range spans {
		if sp.SpanID == id {
			return sp.Name
		}
	}
	return "none"
}

func kvLine(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, " ")
}

// Hanging is a collector that accepts connections and never answers: the
// worst dead endpoint (a refused connection fails at once).
type Hanging struct {
	URL string

	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

// StartHanging listens on a loopback port.
func StartHanging() (*Hanging, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &Hanging{URL: "http://" + ln.Addr().String(), ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
		}
	}()
	return h, nil
}

// Close stops listening and drops the held connections.
func (h *Hanging) Close() {
	h.ln.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		c.Close()
	}
}
