package gateway

import (
	"bufio"
	"io"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// The gateway writes its few metric families in the Prometheus text format
// (version 0.0.4) itself. A metrics library would cost every hermes command
// its package init (VictoriaMetrics/metrics: ~1 ms and cgroup file reads;
// client_golang: ~8 ms), since Go runs the init of everything linked, and
// the gateway needs only counters, function gauges and fixed-bucket
// histograms.

// registry holds one gateway's metric families, written in name order.
type registry struct {
	mu       sync.Mutex
	families map[string]*family
}

// family is one metric name with its HELP and TYPE lines and its series.
// Exactly one of counters, gauge, hist is set.
type family struct {
	name, help, kind string

	mu       sync.Mutex
	counters map[string]*atomic.Uint64 // by rendered labels: `{k="v"}` or ""
	gauge    func() float64
	hist     *histogram
	// collect, for counters kept elsewhere: every series by rendered labels.
	collect func() map[string]float64
}

func newRegistry() *registry { return &registry{families: map[string]*family{}} }

func (r *registry) add(f *family) *family {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.families[f.name]; dup {
		panic("gateway: metric registered twice: " + f.name)
	}
	r.families[f.name] = f
	return f
}

func (r *registry) counterFamily(name, help string) *family {
	return r.add(&family{name: name, help: help, kind: "counter", counters: map[string]*atomic.Uint64{}})
}

// counterFunc registers a counter family whose series fn reports on each
// scrape (rendered labels → value).
func (r *registry) counterFunc(name, help string, fn func() map[string]float64) {
	r.add(&family{name: name, help: help, kind: "counter", collect: fn})
}

func (r *registry) gauge(name, help string, fn func() float64) {
	r.add(&family{name: name, help: help, kind: "gauge", gauge: fn})
}

func (r *registry) histogram(name, help string, buckets []float64) *histogram {
	h := &histogram{bounds: buckets, counts: make([]uint64, len(buckets)+1)}
	r.add(&family{name: name, help: help, kind: "histogram", hist: h})
	return h
}

// counter returns the series of a counter family with the given labels,
// rendered as the text format wants them (see labels), creating it at zero.
func (f *family) counter(labels string) *atomic.Uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.counters[labels]
	if c == nil {
		c = new(atomic.Uint64)
		f.counters[labels] = c
	}
	return c
}

// labels renders label pairs (name, value, name, value…) with the values
// escaped as the text format requires: backslash, double quote, newline.
func labels(pairs ...string) string {
	if len(pairs) == 0 {
		return ""
	}
	b := []byte{'{'}
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, pairs[i]...)
		b = append(b, '=', '"')
		for _, c := range []byte(pairs[i+1]) {
			switch c {
			case '\\':
				b = append(b, `\\`...)
			case '"':
				b = append(b, `\"`...)
			case '\n':
				b = append(b, `\n`...)
			default:
				b = append(b, c)
			}
		}
		b = append(b, '"')
	}
	return string(append(b, '}'))
}

// histogram counts observations into fixed upper bounds plus the implicit
// +Inf bucket; counts are per bucket, made cumulative on write. One mutex:
// observations come once per request, and a scrape sees a consistent view.
type histogram struct {
	bounds []float64

	mu     sync.Mutex
	counts []uint64 // len(bounds)+1: the last is above every bound
	sum    float64
}

func (h *histogram) Observe(v float64) {
	if math.IsNaN(v) {
		return
	}
	i, _ := slices.BinarySearch(h.bounds, v) // le: v == bound counts in it
	h.mu.Lock()
	h.counts[i]++
	h.sum += v
	h.mu.Unlock()
}

// write puts every family in the text format, in name order.
func (r *registry) write(w io.Writer) error {
	r.mu.Lock()
	fams := make([]*family, 0, len(r.families))
	for _, f := range r.families {
		fams = append(fams, f)
	}
	r.mu.Unlock()
	slices.SortFunc(fams, func(a, b *family) int {
		if a.name < b.name {
			return -1
		}
		return 1
	})
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		f.write(bw)
	}
	return bw.Flush()
}

func (f *family) write(w *bufio.Writer) {
	w.WriteString("# HELP " + f.name + " " + f.help + "\n# TYPE " + f.name + " " + f.kind + "\n")
	switch {
	case f.gauge != nil:
		sample(w, f.name, "", f.gauge())
	case f.hist != nil:
		f.hist.write(w, f.name)
	case f.collect != nil:
		series := f.collect()
		keys := make([]string, 0, len(series))
		for k := range series {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			sample(w, f.name, k, series[k])
		}
	default:
		f.mu.Lock()
		keys := make([]string, 0, len(f.counters))
		for k := range f.counters {
			keys = append(keys, k)
		}
		f.mu.Unlock()
		slices.Sort(keys)
		for _, k := range keys {
			sample(w, f.name, k, float64(f.counter(k).Load()))
		}
	}
}

func (h *histogram) write(w *bufio.Writer, name string) {
	h.mu.Lock()
	counts, sum := slices.Clone(h.counts), h.sum
	h.mu.Unlock()
	var cum uint64
	for i, le := range h.bounds {
		cum += counts[i]
		sample(w, name+"_bucket", labels("le", formatFloat(le)), float64(cum))
	}
	cum += counts[len(h.bounds)]
	sample(w, name+"_bucket", `{le="+Inf"}`, float64(cum))
	sample(w, name+"_sum", "", sum)
	sample(w, name+"_count", "", float64(cum))
}

func sample(w *bufio.Writer, name, labels string, v float64) {
	w.WriteString(name + labels + " " + formatFloat(v) + "\n")
}

func formatFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
