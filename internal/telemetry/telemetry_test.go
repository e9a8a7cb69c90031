package telemetry

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/otlpstandin"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestOffByDefaultBuildsNothing(t *testing.T) {
	var stderr bytes.Buffer
	Start(env(nil), &stderr)
	if current.Load() != nil {
		t.Fatal("telemetry started without HERMES_ENABLE_TELEMETRY=1")
	}
	// Every recorder is a no-op, and StartSpan hands back ctx.
	ctx := context.Background()
	RecordUsage(ctx, "m", Usage{Input: 1})
	got, span := StartSpan(ctx, "x")
	if got != ctx || span.IsRecording() {
		t.Fatal("StartSpan recorded with telemetry off")
	}
	End(span, errors.New("boom"))
	Shutdown(time.Second)
	if stderr.Len() != 0 {
		t.Fatalf("stderr = %q", stderr.String())
	}
}

// A setting telemetry cannot use names its variable and leaves telemetry
// off; no header value or password reaches stderr.
func TestUnsupportedSettingsLeaveTelemetryOff(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"grpc":             {map[string]string{ProtocolVar: "grpc"}, "grpc is not supported"},
		"http/json":        {map[string]string{ProtocolVar: "http/json"}, `"http/json" is not supported`},
		"endpoint":         {map[string]string{EndpointVar: "localhost:4318"}, "must be an http or https URL"},
		"headers":          {map[string]string{HeadersVar: "authorization"}, "not key=value"},
		"bad encoding":     {map[string]string{HeadersVar: "authorization=Bearer%zzs3cret"}, `value of "authorization"`},
		"signal protocol":  {map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"}, "grpc is not supported"},
		"signal endpoint":  {map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector:4318"}, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http or https URL"},
		"userinfo":         {map[string]string{EndpointVar: "https://user:s3cret@collector"}, "must not carry a user or password"},
		"compression":      {map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, `"zstd" is not supported`},
		"timeout":          {map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "10s"}, "milliseconds"},
		"signal headers":   {map[string]string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "s3cret"}, "OTEL_EXPORTER_OTLP_TRACES_HEADERS"},
		"ca file":          {map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": "/nonexistent/ca.pem"}, "OTEL_EXPORTER_OTLP_CERTIFICATE"},
		"half a key pair":  {map[string]string{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": "/x.pem"}, "set both or neither"},
		"temporality pref": {map[string]string{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "sometimes"}, "cumulative, delta or lowmemory"},
	} {
		t.Run(name, func(t *testing.T) {
			tc.env[EnableVar] = "1"
			var stderr bytes.Buffer
			Start(env(tc.env), &stderr)
			defer Shutdown(time.Second)
			if current.Load() != nil {
				t.Fatal("telemetry started with a setting it cannot use")
			}
			if !strings.Contains(stderr.String(), tc.want) || strings.Contains(stderr.String(), "s3cret") {
				t.Fatalf("stderr = %q, want %q and no header value", stderr.String(), tc.want)
			}
		})
	}
}

func TestParseList(t *testing.T) {
	got, err := parseList(" a=1 , b=x%20y,,c=k=v")
	if err != nil {
		t.Fatal(err)
	}
	if got["a"] != "1" || got["b"] != "x y" || got["c"] != "k=v" || len(got) != 3 {
		t.Fatalf("parseList = %v", got)
	}
}

func TestExportsToCollector(t *testing.T) {
	srv, err := otlpstandin.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var stderr bytes.Buffer
	Start(env(map[string]string{EnableVar: "1", EndpointVar: srv.URL + "/", ResourceVar: "service.name=from-attrs,team=a%2Cb"}), &stderr)
	ctx, span := StartSpan(context.Background(), "parent")
	_, child := StartSpan(ctx, "child")
	End(child, errors.New("failed with sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789"))
	End(span, nil)
	cost := 0.5
	RecordUsage(ctx, "claude-x", Usage{Input: 3, Output: 2, CostUSD: &cost})
	RecordCredentialExchange(ctx, "oauth", "refused")
	Shutdown(FlushBound)
	dump := srv.Dump()
	for _, want := range []string{
		"metric hermes.token.usage model=claude-x type=input value=3",
		"metric hermes.token.usage model=claude-x type=output value=2",
		"metric hermes.cost.usage model=claude-x value=0.5",
		"metric hermes.credential.exchange kind=oauth outcome=refused value=1",
		"span child  parent=parent service=from-attrs",
		"span parent  parent=none service=from-attrs",
	} {
		if !strings.Contains(dump, want+"\n") {
			t.Errorf("dump lacks %q:\n%s", want, dump)
		}
	}
	if raw := srv.Raw(); bytes.Contains(raw, []byte("abcdefghijklmnopqrstuvwxyz")) || !bytes.Contains(raw, []byte("a,b")) {
		t.Errorf("export holds the key in an error, or lost the resource attribute:\n%q", raw)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr = %q", stderr.String())
	}
}

func TestShutdownIsBoundedWhenCollectorHangs(t *testing.T) {
	h, err := otlpstandin.StartHanging()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	// Every timeout of its own an hour: only Shutdown's bound can end the
	// flush, so without it this test hangs.
	t.Setenv("OTEL_BSP_EXPORT_TIMEOUT", "3600000")
	t.Setenv("OTEL_METRIC_EXPORT_TIMEOUT", "3600000")
	var stderr bytes.Buffer
	Start(env(map[string]string{EnableVar: "1", EndpointVar: h.URL, "OTEL_EXPORTER_OTLP_TIMEOUT": "3600000"}), &stderr)
	_, span := StartSpan(context.Background(), "x")
	span.End()
	RecordUsage(context.Background(), "m", Usage{Input: 1})
	done := make(chan struct{})
	go func() { Shutdown(100 * time.Millisecond); close(done) }()
	// Not a timing assertion: a hang shows as this test never ending.
	<-done
	if current.Load() != nil {
		t.Fatal("Shutdown left telemetry on")
	}
}
