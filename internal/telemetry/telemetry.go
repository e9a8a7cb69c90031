// Package telemetry exports hermes's metrics and traces over OTLP/HTTP
// when HERMES_ENABLE_TELEMETRY=1, and costs nothing otherwise.
//
// The providers are built by Start, which root.Main calls once: with
// telemetry off it returns after reading one variable, so `hermes
// version` builds nothing. Every recording function is a no-op until then
// (one atomic load), so commands call them unconditionally.
//
// What is recorded is an allow-list of attributes: model, tool, client,
// decision, kind, outcome, status. Never a token, key, JWT, header value
// or prompt text (the prompt only with HERMES_TELEMETRY_LOG_PROMPTS=1).
// The names are documented in docs/TELEMETRY.md.
package telemetry

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/hermes-agent/hermes/internal/secret"
)

// The variables that steer telemetry. The exporters read the other
// OTEL_EXPORTER_OTLP_* settings (otlphttp.go); the SDK reads its own
// (OTEL_BSP_*, OTEL_METRIC_EXPORT_*, OTEL_TRACES_SAMPLER, ...).
const (
	EnableVar     = "HERMES_ENABLE_TELEMETRY"
	LogPromptsVar = "HERMES_TELEMETRY_LOG_PROMPTS"
	EndpointVar   = "OTEL_EXPORTER_OTLP_ENDPOINT"
	ProtocolVar   = "OTEL_EXPORTER_OTLP_PROTOCOL"
	HeadersVar    = "OTEL_EXPORTER_OTLP_HEADERS"
	ServiceVar    = "OTEL_SERVICE_NAME"
	ResourceVar   = "OTEL_RESOURCE_ATTRIBUTES"
)

// FlushBound is how long Shutdown waits for the last export: a dead
// collector never holds a command longer.
const FlushBound = 2 * time.Second

const scope = "github.com/hermes-agent/hermes"

// state is the running telemetry; nil while off.
type state struct {
	tp         *sdktrace.TracerProvider
	mp         *sdkmetric.MeterProvider
	tracer     trace.Tracer
	logPrompts bool

	tokens      metric.Int64Counter
	cost        metric.Float64Counter
	sessions    metric.Int64Counter
	decisions   metric.Int64Counter
	credentials metric.Int64Counter
	gwRequests  metric.Int64Counter
	gwLatency   metric.Float64Histogram
}

var current atomic.Pointer[state]

// Enabled reports whether getenv turns telemetry on.
func Enabled(getenv func(string) string) bool {
	return strings.TrimSpace(getenv(EnableVar)) == "1"
}

// Start builds the exporters and providers when telemetry is enabled.
// A configuration it cannot use is reported on stderr and leaves
// telemetry off: telemetry never stops a command.
func Start(getenv func(string) string, stderr io.Writer) {
	if !Enabled(getenv) || current.Load() != nil {
		return
	}
	s, err := build(getenv, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "hermes: telemetry is off: %s\n", secret.RedactShapes(err.Error()))
		return
	}
	current.Store(s)
}

// Shutdown flushes what is left, waiting at most bound, and turns
// telemetry off. It returns at the bound even if the exporters do not.
func Shutdown(bound time.Duration) {
	s := current.Swap(nil)
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		wg.Go(func() { _ = s.tp.Shutdown(ctx) })
		wg.Go(func() { _ = s.mp.Shutdown(ctx) })
		wg.Wait()
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func build(getenv func(string) string, stderr io.Writer) (*state, error) {
	tcfg, err := readExporterConfig(getenv, "TRACES", "/v1/traces")
	if err != nil {
		return nil, err
	}
	mcfg, err := readExporterConfig(getenv, "METRICS", "/v1/metrics")
	if err != nil {
		return nil, err
	}
	temporality, err := temporalitySelector(getenv)
	if err != nil {
		return nil, err
	}
	res, err := newResource(getenv)
	if err != nil {
		return nil, err
	}
	// No exporter connects before its first export: building them costs
	// no network round trip.
	texp := &traceExporter{c: newOTLPClient(tcfg)}
	mexp := &metricExporter{c: newOTLPClient(mcfg), temporality: temporality}
	// The SDK's default handler logs every failed export; one line is
	// enough to tell the user, and it names no header.
	var once sync.Once
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		once.Do(func() {
			fmt.Fprintf(stderr, "hermes: telemetry export failed (further failures are not shown): %s\n", secret.RedactShapes(err.Error()))
		})
	}))
	s := &state{
		tp: sdktrace.NewTracerProvider(sdktrace.WithBatcher(texp), sdktrace.WithResource(res)),
		// Periodic: a long-running command exports every minute (or
		// OTEL_METRIC_EXPORT_INTERVAL); every command flushes at exit.
		mp:         sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(mexp)), sdkmetric.WithResource(res)),
		logPrompts: strings.TrimSpace(getenv(LogPromptsVar)) == "1",
	}
	s.tracer = s.tp.Tracer(scope)
	if err := s.instruments(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *state) instruments() error {
	m := s.mp.Meter(scope)
	var errs [7]error
	s.tokens, errs[0] = m.Int64Counter("hermes.token.usage", metric.WithUnit("{token}"),
		metric.WithDescription("Tokens used, by type (input, output, cache_read, cache_creation) and model"))
	s.cost, errs[1] = m.Float64Counter("hermes.cost.usage", metric.WithUnit("USD"),
		metric.WithDescription("Cost of the tokens used, by model, from hermes's price table"))
	s.sessions, errs[2] = m.Int64Counter("hermes.session.count", metric.WithUnit("{session}"),
		metric.WithDescription("Sessions started, by command"))
	s.decisions, errs[3] = m.Int64Counter("hermes.tool.decision", metric.WithUnit("{decision}"),
		metric.WithDescription("Permission decisions on tool calls, by tool, decision and source"))
	s.credentials, errs[4] = m.Int64Counter("hermes.credential.exchange", metric.WithUnit("{exchange}"),
		metric.WithDescription("Credential exchanges (WIF) and refreshes (OAuth), by kind and outcome"))
	s.gwRequests, errs[5] = m.Int64Counter("hermes.gateway.request.count", metric.WithUnit("{request}"),
		metric.WithDescription("Requests the gateway answered, by client and status class"))
	s.gwLatency, errs[6] = m.Float64Histogram("hermes.gateway.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Time the gateway took to answer a request, by client"))
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// newResource is service.name (OTEL_SERVICE_NAME, default hermes) and
// OTEL_RESOURCE_ATTRIBUTES.
func newResource(getenv func(string) string) (*resource.Resource, error) {
	kv, err := parseList(getenv(ResourceVar))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", ResourceVar, err)
	}
	attrs := make([]attribute.KeyValue, 0, len(kv)+1)
	for k, v := range kv {
		if k != "service.name" {
			attrs = append(attrs, attribute.String(k, v))
		}
	}
	name := strings.TrimSpace(getenv(ServiceVar))
	if name == "" {
		name = kv["service.name"]
	}
	if name == "" {
		name = "hermes"
	}
	attrs = append(attrs, attribute.String("service.name", name))
	return resource.NewSchemaless(attrs...), nil
}

// parseList reads the OTEL list format: key=value pairs separated by
// commas, values percent-encoded. An error never quotes a value (header
// values are credentials).
func parseList(s string) (map[string]string, error) {
	out := map[string]string{}
	for item := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("an entry is not key=value (entries are separated by commas)")
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("the value of %q is not percent-encoded correctly", k)
		}
		out[k] = dv
	}
	return out, nil
}

// LogPrompts reports whether prompt text may be put on spans.
func LogPrompts() bool {
	s := current.Load()
	return s != nil && s.logPrompts
}

// StartSpan starts a span under ctx's; with telemetry off it returns ctx
// and a span that records nothing.
func StartSpan(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	s := current.Load()
	if s == nil {
		return ctx, trace.SpanFromContext(context.Background())
	}
	return s.tracer.Start(ctx, name, trace.WithAttributes(attrs...))
}

// End ends span, marking it failed with err's redacted text.
func End(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		msg := secret.RedactShapes(err.Error())
		if len(msg) > 200 {
			msg = msg[:200]
		}
		span.SetStatus(codes.Error, msg)
	}
	span.End()
}

// Usage is one model call's tokens; CostUSD is nil when the model has no
// price.
type Usage struct {
	Input, Output, CacheRead, CacheCreation int64
	CostUSD                                 *float64
}

// RecordUsage counts a model call's tokens and cost.
func RecordUsage(ctx context.Context, model string, u Usage) {
	s := current.Load()
	if s == nil {
		return
	}
	for typ, n := range map[string]int64{"input": u.Input, "output": u.Output, "cache_read": u.CacheRead, "cache_creation": u.CacheCreation} {
		if n > 0 {
			s.tokens.Add(ctx, n, metric.WithAttributes(attribute.String("type", typ), attribute.String("model", model)))
		}
	}
	if u.CostUSD != nil && *u.CostUSD > 0 {
		s.cost.Add(ctx, *u.CostUSD, metric.WithAttributes(attribute.String("model", model)))
	}
}

// CountSession counts a session started by command (chat, cron, acp, bot).
func CountSession(ctx context.Context, command string) {
	if s := current.Load(); s != nil {
		s.sessions.Add(ctx, 1, metric.WithAttributes(attribute.String("command", command)))
	}
}

// RecordToolDecision counts a permission decision (allow, deny, ask) on
// tool, by its source (policy, user, unattended).
func RecordToolDecision(ctx context.Context, tool, decision, source string) {
	if s := current.Load(); s != nil {
		s.decisions.Add(ctx, 1, metric.WithAttributes(attribute.String("tool", tool),
			attribute.String("decision", decision), attribute.String("source", source)))
	}
}

// RecordCredentialExchange counts an exchange of kind (wif, oauth) with
// its outcome (success, failure).
func RecordCredentialExchange(ctx context.Context, kind, outcome string) {
	if s := current.Load(); s != nil {
		s.credentials.Add(ctx, 1, metric.WithAttributes(attribute.String("kind", kind), attribute.String("outcome", outcome)))
	}
}

// RecordGatewayRequest counts a request the gateway answered for client
// (its bounded label: the allow-list pattern it matched, "gateway-key",
// or "unauthenticated") and its duration.
func RecordGatewayRequest(ctx context.Context, client string, status int, d time.Duration) {
	if s := current.Load(); s != nil {
		attrs := metric.WithAttributes(attribute.String("client", client), attribute.String("status_class", fmt.Sprintf("%dxx", status/100)))
		s.gwRequests.Add(ctx, 1, attrs)
		s.gwLatency.Record(ctx, d.Seconds(), metric.WithAttributes(attribute.String("client", client)))
	}
}

// Outcome is "success" or "failure" for err.
func Outcome(err error) string {
	if err != nil {
		return "failure"
	}
	return "success"
}
