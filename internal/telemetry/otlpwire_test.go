package telemetry

import (
	"context"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// The hand-written encoding is checked against the official generated
// types: TracesData and MetricsData have the wire format of the export
// requests (field 1, repeated).

func allTypes() []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("s", "text"),
		attribute.String("empty", ""),
		attribute.Bool("t", true),
		attribute.Bool("f", false),
		attribute.Int64("i", -7),
		attribute.Int64("zero", 0),
		attribute.Float64("d", 1.5),
		attribute.StringSlice("ss", []string{"a", "b"}),
		attribute.Int64Slice("is", []int64{1, 2}),
		attribute.Float64Slice("ds", []float64{0.5}),
		attribute.BoolSlice("bs", []bool{true, false}),
	}
}

func TestEncodeTracesDecodesWithOfficialTypes(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	res := resource.NewSchemaless(attribute.String("service.name", "svc"))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithResource(res))
	tr := tp.Tracer("scope-a", trace.WithInstrumentationVersion("1.2.3"))
	ctx, parent := tr.Start(context.Background(), "parent", trace.WithSpanKind(trace.SpanKindServer))
	_, child := tr.Start(ctx, "child", trace.WithAttributes(allTypes()...),
		trace.WithLinks(trace.Link{SpanContext: parent.SpanContext(), Attributes: []attribute.KeyValue{attribute.String("why", "follows")}}))
	child.AddEvent("happened", trace.WithAttributes(attribute.Int("n", 3)))
	child.SetStatus(codes.Error, "broke")
	child.End()
	_, other := tp.Tracer("scope-b").Start(ctx, "other")
	other.SetStatus(codes.Ok, "")
	other.End()
	parent.End()

	var got tracepb.TracesData
	if err := proto.Unmarshal(encodeTraces(rec.Ended()), &got); err != nil {
		t.Fatalf("official decoder refused the encoding: %v", err)
	}
	if len(got.ResourceSpans) != 1 {
		t.Fatalf("%d resource groups, want 1 (one provider)", len(got.ResourceSpans))
	}
	rs := got.ResourceSpans[0]
	if a := attrMap(rs.Resource.Attributes); a["service.name"] != "svc" {
		t.Errorf("resource = %v", a)
	}
	spans := map[string]*tracepb.Span{}
	scopes := map[string]string{}
	for _, ss := range rs.ScopeSpans {
		for _, sp := range ss.Spans {
			spans[sp.Name] = sp
			scopes[sp.Name] = ss.Scope.Name + "@" + ss.Scope.Version
		}
	}
	if len(rs.ScopeSpans) != 2 || scopes["child"] != "scope-a@1.2.3" || scopes["other"] != "scope-b@" {
		t.Errorf("scopes = %v over %d groups", scopes, len(rs.ScopeSpans))
	}
	p, c, o := spans["parent"], spans["child"], spans["other"]
	if p == nil || c == nil || o == nil {
		t.Fatalf("spans = %v", spans)
	}
	psc := parent.SpanContext()
	ptid, psid := psc.TraceID(), psc.SpanID()
	if string(c.TraceId) != string(ptid[:]) || string(c.ParentSpanId) != string(psid[:]) || string(p.SpanId) != string(psid[:]) || len(p.ParentSpanId) != 0 {
		t.Errorf("ids: child trace %x parent %x; parent span %x parent %x", c.TraceId, c.ParentSpanId, p.SpanId, p.ParentSpanId)
	}
	if p.Kind != tracepb.Span_SPAN_KIND_SERVER || c.Kind != tracepb.Span_SPAN_KIND_INTERNAL {
		t.Errorf("kinds = %v, %v", p.Kind, c.Kind)
	}
	if c.StartTimeUnixNano == 0 || c.EndTimeUnixNano < c.StartTimeUnixNano {
		t.Errorf("times = %d..%d", c.StartTimeUnixNano, c.EndTimeUnixNano)
	}
	if c.Flags != 0x101 {
		t.Errorf("flags = %#x, want sampled with has-is-remote (0x101)", c.Flags)
	}
	if c.Status.Code != tracepb.Status_STATUS_CODE_ERROR || c.Status.Message != "broke" || o.Status.Code != tracepb.Status_STATUS_CODE_OK || p.Status.Code != tracepb.Status_STATUS_CODE_UNSET {
		t.Errorf("statuses = %v, %v, %v", c.Status, o.Status, p.Status)
	}
	checkAllTypes(t, c.Attributes)
	if len(c.Events) != 1 || c.Events[0].Name != "happened" || attrMap(c.Events[0].Attributes)["n"] != int64(3) || c.Events[0].TimeUnixNano == 0 {
		t.Errorf("events = %v", c.Events)
	}
	if len(c.Links) != 1 || string(c.Links[0].SpanId) != string(psid[:]) || attrMap(c.Links[0].Attributes)["why"] != "follows" {
		t.Errorf("links = %v", c.Links)
	}
}

func attrMap(kvs []*commonpb.KeyValue) map[string]any {
	out := map[string]any{}
	for _, kv := range kvs {
		out[kv.Key] = anyOf(kv.Value)
	}
	return out
}

func anyOf(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_ArrayValue:
		var out []any
		for _, e := range x.ArrayValue.Values {
			out = append(out, anyOf(e))
		}
		return out
	case nil:
		return nil
	}
	return "unexpected"
}

// Every attribute type arrives with its value; zero values (false, 0,
// "") are present, not dropped as proto3 defaults would be.
func checkAllTypes(t *testing.T, kvs []*commonpb.KeyValue) {
	t.Helper()
	a := attrMap(kvs)
	want := map[string]any{"s": "text", "empty": "", "t": true, "f": false, "i": int64(-7), "zero": int64(0), "d": 1.5}
	for k, v := range want {
		if got, ok := a[k]; !ok || got != v {
			t.Errorf("attribute %s = %#v (present %v), want %#v", k, got, ok, v)
		}
	}
	slices := map[string][]any{"ss": {"a", "b"}, "is": {int64(1), int64(2)}, "ds": {0.5}, "bs": {true, false}}
	for k, v := range slices {
		got, _ := a[k].([]any)
		if len(got) != len(v) {
			t.Errorf("attribute %s = %#v, want %#v", k, a[k], v)
			continue
		}
		for i := range v {
			if got[i] != v[i] {
				t.Errorf("attribute %s[%d] = %#v, want %#v", k, i, got[i], v[i])
			}
		}
	}
}

func TestEncodeMetricsDecodesWithOfficialTypes(t *testing.T) {
	for _, tc := range []struct {
		name string
		sel  sdkmetric.TemporalitySelector
		want metricpb.AggregationTemporality
	}{
		{"cumulative", sdkmetric.DefaultTemporalitySelector, metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE},
		{"delta", func(sdkmetric.InstrumentKind) metricdata.Temporality { return metricdata.DeltaTemporality }, metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(tc.sel))
			res := resource.NewSchemaless(attribute.String("service.name", "svc"))
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithResource(res))
			m := mp.Meter("scope-m")
			ctx := context.Background()
			ints, _ := m.Int64Counter("ints", metric.WithUnit("{token}"))
			ints.Add(ctx, 5, metric.WithAttributes(attribute.String("type", "input")))
			ints.Add(ctx, 0, metric.WithAttributes(attribute.String("type", "cache_read")))
			floats, _ := m.Float64Counter("floats")
			floats.Add(ctx, 0.25)
			hist, _ := m.Float64Histogram("hist")
			hist.Record(ctx, 0.003)
			hist.Record(ctx, 7)
			gauge, _ := m.Int64Gauge("gauge")
			gauge.Record(ctx, -2)

			var rm metricdata.ResourceMetrics
			if err := reader.Collect(ctx, &rm); err != nil {
				t.Fatal(err)
			}
			var got metricpb.MetricsData
			if err := proto.Unmarshal(encodeMetrics(&rm), &got); err != nil {
				t.Fatalf("official decoder refused the encoding: %v", err)
			}
			if len(got.ResourceMetrics) != 1 || attrMap(got.ResourceMetrics[0].Resource.Attributes)["service.name"] != "svc" {
				t.Fatalf("resource metrics = %v", got.ResourceMetrics)
			}
			sm := got.ResourceMetrics[0].ScopeMetrics
			if len(sm) != 1 || sm[0].Scope.Name != "scope-m" {
				t.Fatalf("scope metrics = %v", sm)
			}
			byName := map[string]*metricpb.Metric{}
			for _, m := range sm[0].Metrics {
				byName[m.Name] = m
			}
			intsM := byName["ints"]
			if intsM == nil || intsM.Unit != "{token}" || !intsM.GetSum().GetIsMonotonic() || intsM.GetSum().AggregationTemporality != tc.want {
				t.Fatalf("ints = %v", intsM)
			}
			vals := map[any]*metricpb.NumberDataPoint{}
			for _, dp := range intsM.GetSum().DataPoints {
				vals[attrMap(dp.Attributes)["type"]] = dp
			}
			if dp := vals["input"]; dp == nil || dp.GetAsInt() != 5 || dp.TimeUnixNano == 0 || dp.StartTimeUnixNano == 0 {
				t.Errorf("ints input = %v", dp)
			}
			if dp := vals["cache_read"]; dp == nil || dp.GetValue() == nil || dp.GetAsInt() != 0 {
				t.Errorf("a zero point lost its value: %v", dp)
			}
			if f := byName["floats"].GetSum().GetDataPoints(); len(f) != 1 || f[0].GetAsDouble() != 0.25 {
				t.Errorf("floats = %v", f)
			}
			if g := byName["gauge"].GetGauge().GetDataPoints(); len(g) != 1 || g[0].GetAsInt() != -2 {
				t.Errorf("gauge = %v", g)
			}
			h := byName["hist"].GetHistogram()
			if h == nil || h.AggregationTemporality != tc.want || len(h.DataPoints) != 1 {
				t.Fatalf("hist = %v", h)
			}
			dp := h.DataPoints[0]
			var total uint64
			for _, c := range dp.BucketCounts {
				total += c
			}
			if dp.Count != 2 || math.Abs(dp.GetSum()-7.003) > 1e-9 || dp.GetMin() != 0.003 || dp.GetMax() != 7 ||
				len(dp.BucketCounts) != len(dp.ExplicitBounds)+1 || total != 2 || len(dp.ExplicitBounds) == 0 {
				t.Errorf("histogram point = %v", dp)
			}
		})
	}
}

// An aggregation hermes never asks for is left out, not sent as a metric
// without data (which a collector rejects).
func TestEncodeMetricsSkipsUnknownAggregations(t *testing.T) {
	rm := &metricdata.ResourceMetrics{ScopeMetrics: []metricdata.ScopeMetrics{{Metrics: []metricdata.Metrics{
		{Name: "summary", Data: metricdata.Summary{}},
		{Name: "kept", Data: metricdata.Sum[int64]{DataPoints: []metricdata.DataPoint[int64]{{Value: 1, Time: time.Now()}}}},
	}}}}
	var got metricpb.MetricsData
	if err := proto.Unmarshal(encodeMetrics(rm), &got); err != nil {
		t.Fatal(err)
	}
	ms := got.ResourceMetrics[0].ScopeMetrics[0].Metrics
	if len(ms) != 1 || ms[0].Name != "kept" {
		t.Errorf("metrics = %v", ms)
	}
}

// Spans from a span stub with nothing set still encode (no panic on a
// zero time or a nil resource).
func TestEncodeTracesZeroSpan(t *testing.T) {
	spans := tracetest.SpanStubs{{Name: "bare"}}.Snapshots()
	var got tracepb.TracesData
	if err := proto.Unmarshal(encodeTraces(spans), &got); err != nil {
		t.Fatal(err)
	}
	if n := got.ResourceSpans[0].ScopeSpans[0].Spans[0]; n.Name != "bare" || n.StartTimeUnixNano != 0 {
		t.Errorf("span = %v", n)
	}
}
