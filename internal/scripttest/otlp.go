package scripttest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hermes-agent/hermes/internal/otlpstandin"
)

// otlpServers are the scripts' receivers, by script.
var otlpServers sync.Map // *testscript.TestScript → *otlpstandin.Server

// cmdOTLP: otlp start | hang | dump | raw FILE — the OTLP receiver.
// start runs one for the script and points hermes at it
// (HERMES_ENABLE_TELEMETRY=1, OTEL_EXPORTER_OTLP_ENDPOINT); hang points
// hermes at a collector that never answers; dump writes what was received
// (otlpstandin.Dump) to stdout; raw writes every body and header received
// to FILE, for nosecrets; wait NAME waits (at most 30 s) until a metric
// point NAME has been received, for exports of a process still running.
func cmdOTLP(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: otlp start | hang | dump | raw FILE | wait NAME")
	}
	v, _ := otlpServers.Load(ts)
	srv, _ := v.(*otlpstandin.Server)
	switch args[0] {
	case "start":
		if srv != nil {
			ts.Fatalf("otlp: already started")
		}
		s, err := otlpstandin.Start()
		ts.Check(err)
		otlpServers.Store(ts, s)
		ts.Defer(func() { s.Close(); otlpServers.Delete(ts) })
		ts.Setenv("HERMES_ENABLE_TELEMETRY", "1")
		ts.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", s.URL)
	case "hang":
		h, err := otlpstandin.StartHanging()
		ts.Check(err)
		ts.Defer(h.Close)
		ts.Setenv("HERMES_ENABLE_TELEMETRY", "1")
		ts.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", h.URL)
	case "wait":
		if srv == nil || len(args) != 2 {
			ts.Fatalf("usage: otlp wait NAME (after otlp start)")
		}
		pollUntil(ts, 50*time.Millisecond, func() bool { return strings.Contains(srv.Dump(), "metric "+args[1]+" ") },
			func() string { return fmt.Sprintf("otlp: no %s received within 30s", args[1]) })
	case "dump", "raw":
		if srv == nil {
			ts.Fatalf("otlp: not started")
		}
		if args[0] == "dump" {
			fmt.Fprint(ts.Stdout(), srv.Dump())
			return
		}
		if len(args) != 2 {
			ts.Fatalf("usage: otlp raw FILE")
		}
		ts.Check(os.WriteFile(filepath.Join(ts.Getenv("WORK"), args[1]), srv.Raw(), 0o600))
	default:
		ts.Fatalf("otlp: unknown subcommand %q", args[0])
	}
}
