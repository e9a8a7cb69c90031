package gateway

import (
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func TestExpositionFormat(t *testing.T) {
	t.Parallel()
	r := newRegistry()
	c := r.counterFamily("x_total", "Things.")
	c.counter(labels("path", `a"b\c`+"\nd", "code", "200")).Add(3)
	c.counter(labels("path", "é")).Add(1)
	r.gauge("x_gauge", "A gauge.", math.NaN)
	h := r.histogram("x_seconds", "Latency.", []float64{0.5, 1, 2})
	for _, v := range []float64{0.1, 0.5, 1.5, 3, math.NaN()} {
		h.Observe(v)
	}
	var b strings.Builder
	if err := r.write(&b); err != nil {
		t.Fatal(err)
	}
	want := `# HELP x_gauge A gauge.
# TYPE x_gauge gauge
x_gauge NaN
# HELP x_seconds Latency.
# TYPE x_seconds histogram
x_seconds_bucket{le="0.5"} 2
x_seconds_bucket{le="1"} 2
x_seconds_bucket{le="2"} 3
x_seconds_bucket{le="+Inf"} 4
x_seconds_sum 5.1
x_seconds_count 4
# HELP x_total Things.
# TYPE x_total counter
x_total{path="a\"b\\c\nd",code="200"} 3
x_total{path="é"} 1
`
	if b.String() != want {
		t.Errorf("exposition:\n%s\nwant:\n%s", b.String(), want)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("Prometheus's parser refuses it: %v", err)
	}
	got := ""
	for _, l := range fams["x_total"].Metric[0].Label {
		got += l.GetName() + "=" + l.GetValue() + ";"
	}
	if got != "path=a\"b\\c\nd;code=200;" {
		t.Errorf("labels read back as %q", got)
	}
}

func TestRegistryConcurrent(t *testing.T) {
	t.Parallel()
	r := newRegistry()
	c := r.counterFamily("n_total", "N.")
	h := r.histogram("h_seconds", "H.", []float64{1})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 1000 {
				c.counter(labels("i", string(rune('a'+i%2)))).Add(1)
				h.Observe(0.5)
			}
		})
		wg.Go(func() { r.write(new(strings.Builder)) })
	}
	wg.Wait()
	var b strings.Builder
	r.write(&b)
	for _, line := range []string{`n_total{i="a"} 4000`, `n_total{i="b"} 4000`, `h_seconds_count 8000`, `h_seconds_bucket{le="1"} 8000`} {
		if !strings.Contains(b.String(), line+"\n") {
			t.Errorf("missing %q in\n%s", line, b.String())
		}
	}
}

func TestRegistryRefusesDuplicateName(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("a second family with the same name was accepted")
		}
	}()
	r := newRegistry()
	r.counterFamily("d_total", "D.")
	r.gauge("d_total", "D.", func() float64 { return 0 })
}
