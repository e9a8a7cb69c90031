package telemetry

// The OTLP protobuf encoding of spans and metrics, written with protowire
// alone. The official OTLP/HTTP exporters reach their request types
// through the collector packages of go.opentelemetry.io/proto/otlp, which
// link gRPC and grpc-gateway: +46 MB of binary and +23 MB of RSS for every
// command, telemetry on or off (docs/PERFORMANCE.md). The message schema
// is small and stable (opentelemetry-proto v1); field numbers below are
// those of its .proto files, and the tests decode every output with the
// official generated types.

import (
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/protobuf/encoding/protowire"
)

// Wire helpers. Proto3 omits a scalar at its zero value; a field of a
// oneof (AnyValue's, a data point's value) is always written, so 0 and
// "" stay distinguishable from "not set".

func putString(b []byte, n protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	return putStringAlways(b, n, s)
}

func putStringAlways(b []byte, n protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, n, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func putBytes(b []byte, n protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, n, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func putVarint(b []byte, n protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, n, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func putFixed64(b []byte, n protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	return putFixed64Always(b, n, v)
}

func putFixed64Always(b []byte, n protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, n, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, v)
}

func putDouble(b []byte, n protowire.Number, v float64) []byte {
	return putFixed64Always(b, n, math.Float64bits(v))
}

func putFixed32(b []byte, n protowire.Number, v uint32) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, n, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, v)
}

// putMessage appends field n holding the message encode writes.
func putMessage(b []byte, n protowire.Number, encode func([]byte) []byte) []byte {
	return putBytes(b, n, encode(nil))
}

func unixNano(t time.Time) uint64 {
	if t.IsZero() || t.UnixNano() < 0 {
		return 0
	}
	return uint64(t.UnixNano())
}

// KeyValue: key = 1, value = 2 (AnyValue).
func putAttributes(b []byte, n protowire.Number, kvs []attribute.KeyValue) []byte {
	for _, kv := range kvs {
		b = putMessage(b, n, func(b []byte) []byte {
			b = putString(b, 1, string(kv.Key))
			return putMessage(b, 2, func(b []byte) []byte { return appendAnyValue(b, kv.Value) })
		})
	}
	return b
}

// AnyValue: string_value = 1, bool_value = 2, int_value = 3,
// double_value = 4, array_value = 5 (ArrayValue: values = 1),
// kvlist_value = 6 (KeyValueList: values = 1), bytes_value = 7.
func appendAnyValue(b []byte, v attribute.Value) []byte {
	switch v.Type() {
	case attribute.BOOL:
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		return protowire.AppendVarint(b, protowire.EncodeBool(v.AsBool()))
	case attribute.INT64:
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(v.AsInt64()))
	case attribute.FLOAT64:
		return putDouble(b, 4, v.AsFloat64())
	case attribute.STRING:
		return putStringAlways(b, 1, v.AsString())
	case attribute.BYTESLICE:
		return putBytes(b, 7, v.AsByteSlice())
	case attribute.BOOLSLICE:
		return putArray(b, len(v.AsBoolSlice()), func(i int) attribute.Value { return attribute.BoolValue(v.AsBoolSlice()[i]) })
	case attribute.INT64SLICE:
		s := v.AsInt64Slice()
		return putArray(b, len(s), func(i int) attribute.Value { return attribute.Int64Value(s[i]) })
	case attribute.FLOAT64SLICE:
		s := v.AsFloat64Slice()
		return putArray(b, len(s), func(i int) attribute.Value { return attribute.Float64Value(s[i]) })
	case attribute.STRINGSLICE:
		s := v.AsStringSlice()
		return putArray(b, len(s), func(i int) attribute.Value { return attribute.StringValue(s[i]) })
	case attribute.SLICE:
		s := v.AsSlice()
		return putArray(b, len(s), func(i int) attribute.Value { return s[i] })
	case attribute.MAP:
		return putMessage(b, 6, func(b []byte) []byte { return putAttributes(b, 1, v.AsMap()) })
	}
	return b // EMPTY: an AnyValue with no value set
}

func putArray(b []byte, n int, at func(int) attribute.Value) []byte {
	return putMessage(b, 5, func(b []byte) []byte {
		for i := range n {
			b = putMessage(b, 1, func(b []byte) []byte { return appendAnyValue(b, at(i)) })
		}
		return b
	})
}

// Resource: attributes = 1.
func appendResource(b []byte, res *resource.Resource) []byte {
	if res == nil {
		return b
	}
	return putAttributes(b, 1, res.Attributes())
}

// InstrumentationScope: name = 1, version = 2, attributes = 3.
func appendScope(b []byte, s instrumentation.Scope) []byte {
	b = putString(b, 1, s.Name)
	b = putString(b, 2, s.Version)
	return putAttributes(b, 3, s.Attributes.ToSlice())
}

// encodeTraces is an ExportTraceServiceRequest: resource_spans = 1
// (ResourceSpans: resource = 1, scope_spans = 2, schema_url = 3;
// ScopeSpans: scope = 1, spans = 2, schema_url = 3). Spans are grouped by
// resource and then by scope, in the order they came.
func encodeTraces(spans []sdktrace.ReadOnlySpan) []byte {
	type scoped struct {
		scope instrumentation.Scope
		spans []sdktrace.ReadOnlySpan
	}
	type byResource struct {
		res    *resource.Resource
		scopes []*scoped
	}
	var groups []*byResource
	for _, sp := range spans {
		var g *byResource
		for _, x := range groups {
			if x.res == sp.Resource() || x.res.Equal(sp.Resource()) {
				g = x
				break
			}
		}
		if g == nil {
			g = &byResource{res: sp.Resource()}
			groups = append(groups, g)
		}
		var sc *scoped
		for _, x := range g.scopes {
			if sameScope(x.scope, sp.InstrumentationScope()) {
				sc = x
				break
			}
		}
		if sc == nil {
			sc = &scoped{scope: sp.InstrumentationScope()}
			g.scopes = append(g.scopes, sc)
		}
		sc.spans = append(sc.spans, sp)
	}
	var b []byte
	for _, g := range groups {
		b = putMessage(b, 1, func(b []byte) []byte {
			b = putMessage(b, 1, func(b []byte) []byte { return appendResource(b, g.res) })
			for _, sc := range g.scopes {
				b = putMessage(b, 2, func(b []byte) []byte {
					b = putMessage(b, 1, func(b []byte) []byte { return appendScope(b, sc.scope) })
					for _, sp := range sc.spans {
						b = putMessage(b, 2, func(b []byte) []byte { return appendSpan(b, sp) })
					}
					return putString(b, 3, sc.scope.SchemaURL)
				})
			}
			if g.res != nil {
				b = putString(b, 3, g.res.SchemaURL())
			}
			return b
		})
	}
	return b
}

func sameScope(a, b instrumentation.Scope) bool {
	return a.Name == b.Name && a.Version == b.Version && a.SchemaURL == b.SchemaURL && a.Attributes.Equals(&b.Attributes)
}

// Span flags (field 16): the W3C trace flags in the low byte, then
// SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE (0x100) and, when the parent came from
// another process, SPAN_FLAGS_CONTEXT_IS_REMOTE (0x200).
const (
	flagHasIsRemote = 0x100
	flagIsRemote    = 0x200
)

// Span: trace_id = 1, span_id = 2, trace_state = 3, parent_span_id = 4,
// name = 5, kind = 6, start_time_unix_nano = 7, end_time_unix_nano = 8,
// attributes = 9, dropped_attributes_count = 10, events = 11,
// dropped_events_count = 12, links = 13, dropped_links_count = 14,
// status = 15, flags = 16.
func appendSpan(b []byte, sp sdktrace.ReadOnlySpan) []byte {
	sc := sp.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	b = putBytes(b, 1, tid[:])
	b = putBytes(b, 2, sid[:])
	b = putString(b, 3, sc.TraceState().String())
	parent := sp.Parent()
	if parent.SpanID().IsValid() {
		pid := parent.SpanID()
		b = putBytes(b, 4, pid[:])
	}
	b = putString(b, 5, sp.Name())
	b = putVarint(b, 6, uint64(sp.SpanKind())) // trace.SpanKind shares OTLP's numbering
	b = putFixed64(b, 7, unixNano(sp.StartTime()))
	b = putFixed64(b, 8, unixNano(sp.EndTime()))
	b = putAttributes(b, 9, sp.Attributes())
	b = putVarint(b, 10, uint64(sp.DroppedAttributes()))
	for _, ev := range sp.Events() {
		// Event: time_unix_nano = 1, name = 2, attributes = 3, dropped_attributes_count = 4.
		b = putMessage(b, 11, func(b []byte) []byte {
			b = putFixed64(b, 1, unixNano(ev.Time))
			b = putString(b, 2, ev.Name)
			b = putAttributes(b, 3, ev.Attributes)
			return putVarint(b, 4, uint64(ev.DroppedAttributeCount))
		})
	}
	b = putVarint(b, 12, uint64(sp.DroppedEvents()))
	for _, l := range sp.Links() {
		// Link: trace_id = 1, span_id = 2, trace_state = 3, attributes = 4,
		// dropped_attributes_count = 5, flags = 6.
		b = putMessage(b, 13, func(b []byte) []byte {
			ltid, lsid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
			b = putBytes(b, 1, ltid[:])
			b = putBytes(b, 2, lsid[:])
			b = putString(b, 3, l.SpanContext.TraceState().String())
			b = putAttributes(b, 4, l.Attributes)
			b = putVarint(b, 5, uint64(l.DroppedAttributeCount))
			return putFixed32(b, 6, remoteFlags(uint32(l.SpanContext.TraceFlags()), l.SpanContext.IsRemote()))
		})
	}
	b = putVarint(b, 14, uint64(sp.DroppedLinks()))
	// Status: message = 2, code = 3 (OTLP: 1 ok, 2 error; the Go API's
	// codes.Code numbers them the other way round).
	b = putMessage(b, 15, func(b []byte) []byte {
		st := sp.Status()
		b = putString(b, 2, st.Description)
		return putVarint(b, 3, statusCode(st.Code))
	})
	return putFixed32(b, 16, remoteFlags(uint32(sc.TraceFlags()), parent.IsRemote()))
}

func remoteFlags(traceFlags uint32, remote bool) uint32 {
	f := traceFlags | flagHasIsRemote
	if remote {
		f |= flagIsRemote
	}
	return f
}

func statusCode(c codes.Code) uint64 {
	switch c {
	case codes.Ok:
		return 1
	case codes.Error:
		return 2
	}
	return 0
}

// encodeMetrics is an ExportMetricsServiceRequest: resource_metrics = 1
// (ResourceMetrics: resource = 1, scope_metrics = 2, schema_url = 3;
// ScopeMetrics: scope = 1, metrics = 2, schema_url = 3).
func encodeMetrics(rm *metricdata.ResourceMetrics) []byte {
	return putMessage(nil, 1, func(b []byte) []byte {
		b = putMessage(b, 1, func(b []byte) []byte { return appendResource(b, rm.Resource) })
		for _, sm := range rm.ScopeMetrics {
			b = putMessage(b, 2, func(b []byte) []byte {
				b = putMessage(b, 1, func(b []byte) []byte { return appendScope(b, sm.Scope) })
				for _, m := range sm.Metrics {
					if body, ok := appendMetricData(nil, m.Data); ok {
						b = putMessage(b, 2, func(b []byte) []byte {
							// Metric: name = 1, description = 2, unit = 3, then
							// gauge = 5, sum = 7 or histogram = 9.
							b = putString(b, 1, m.Name)
							b = putString(b, 2, m.Description)
							b = putString(b, 3, m.Unit)
							return append(b, body...)
						})
					}
				}
				return putString(b, 3, sm.Scope.SchemaURL)
			})
		}
		if rm.Resource != nil {
			b = putString(b, 3, rm.Resource.SchemaURL())
		}
		return b
	})
}

// appendMetricData writes a metric's data field. ok is false for an
// aggregation hermes's exporter never asks the SDK for (exponential
// histograms, summaries): such a metric is left out, not sent empty.
func appendMetricData(b []byte, data metricdata.Aggregation) (_ []byte, ok bool) {
	switch d := data.(type) {
	case metricdata.Sum[int64]:
		return appendSum(b, d.DataPoints, d.Temporality, d.IsMonotonic), true
	case metricdata.Sum[float64]:
		return appendSum(b, d.DataPoints, d.Temporality, d.IsMonotonic), true
	case metricdata.Gauge[int64]:
		return putMessage(b, 5, func(b []byte) []byte { return appendNumberPoints(b, d.DataPoints) }), true
	case metricdata.Gauge[float64]:
		return putMessage(b, 5, func(b []byte) []byte { return appendNumberPoints(b, d.DataPoints) }), true
	case metricdata.Histogram[int64]:
		return appendHistogram(b, d), true
	case metricdata.Histogram[float64]:
		return appendHistogram(b, d), true
	}
	return b, false
}

// Sum: data_points = 1, aggregation_temporality = 2, is_monotonic = 3.
func appendSum[N int64 | float64](b []byte, pts []metricdata.DataPoint[N], t metricdata.Temporality, monotonic bool) []byte {
	return putMessage(b, 7, func(b []byte) []byte {
		b = appendNumberPoints(b, pts)
		b = putVarint(b, 2, temporality(t))
		if monotonic {
			b = putVarint(b, 3, 1)
		}
		return b
	})
}

// AggregationTemporality in OTLP: 1 delta, 2 cumulative (the SDK's
// metricdata.Temporality numbers them the other way round).
func temporality(t metricdata.Temporality) uint64 {
	switch t {
	case metricdata.DeltaTemporality:
		return 1
	case metricdata.CumulativeTemporality:
		return 2
	}
	return 0
}

// NumberDataPoint (in field 1 of Gauge and Sum): start_time_unix_nano = 2,
// time_unix_nano = 3, as_double = 4, exemplars = 5, as_int = 6 (sfixed64),
// attributes = 7.
func appendNumberPoints[N int64 | float64](b []byte, pts []metricdata.DataPoint[N]) []byte {
	for _, p := range pts {
		b = putMessage(b, 1, func(b []byte) []byte {
			b = putFixed64(b, 2, unixNano(p.StartTime))
			b = putFixed64(b, 3, unixNano(p.Time))
			b = putNumber(b, 4, 6, p.Value)
			b = appendExemplars(b, 5, p.Exemplars)
			return putAttributes(b, 7, p.Attributes.ToSlice())
		})
	}
	return b
}

// putNumber writes v as the double field or the sfixed64 field: the
// oneof is always written, even at 0.
func putNumber[N int64 | float64](b []byte, double, integer protowire.Number, v N) []byte {
	switch x := any(v).(type) {
	case int64:
		return putFixed64Always(b, integer, uint64(x))
	case float64:
		return putDouble(b, double, x)
	}
	return b
}

// Exemplar: time_unix_nano = 2, as_double = 3, span_id = 4, trace_id = 5,
// as_int = 6, filtered_attributes = 7.
func appendExemplars[N int64 | float64](b []byte, n protowire.Number, exs []metricdata.Exemplar[N]) []byte {
	for _, ex := range exs {
		b = putMessage(b, n, func(b []byte) []byte {
			b = putFixed64(b, 2, unixNano(ex.Time))
			b = putNumber(b, 3, 6, ex.Value)
			if len(ex.SpanID) > 0 {
				b = putBytes(b, 4, ex.SpanID)
			}
			if len(ex.TraceID) > 0 {
				b = putBytes(b, 5, ex.TraceID)
			}
			return putAttributes(b, 7, ex.FilteredAttributes)
		})
	}
	return b
}

// Histogram: data_points = 1, aggregation_temporality = 2.
// HistogramDataPoint: start_time_unix_nano = 2, time_unix_nano = 3,
// count = 4, sum = 5, bucket_counts = 6 (packed fixed64),
// explicit_bounds = 7 (packed double), exemplars = 8, attributes = 9,
// min = 11, max = 12.
func appendHistogram[N int64 | float64](b []byte, h metricdata.Histogram[N]) []byte {
	return putMessage(b, 9, func(b []byte) []byte {
		for _, p := range h.DataPoints {
			b = putMessage(b, 1, func(b []byte) []byte {
				b = putFixed64(b, 2, unixNano(p.StartTime))
				b = putFixed64(b, 3, unixNano(p.Time))
				b = putFixed64Always(b, 4, p.Count)
				b = putDouble(b, 5, float64(p.Sum))
				if len(p.BucketCounts) > 0 {
					b = putMessage(b, 6, func(b []byte) []byte {
						for _, c := range p.BucketCounts {
							b = protowire.AppendFixed64(b, c)
						}
						return b
					})
				}
				if len(p.Bounds) > 0 {
					b = putMessage(b, 7, func(b []byte) []byte {
						for _, x := range p.Bounds {
							b = protowire.AppendFixed64(b, math.Float64bits(x))
						}
						return b
					})
				}
				b = appendExemplars(b, 8, p.Exemplars)
				b = putAttributes(b, 9, p.Attributes.ToSlice())
				if v, ok := p.Min.Value(); ok {
					b = putDouble(b, 11, float64(v))
				}
				if v, ok := p.Max.Value(); ok {
					b = putDouble(b, 12, float64(v))
				}
				return b
			})
		}
		return putVarint(b, 2, temporality(h.Temporality))
	})
}
