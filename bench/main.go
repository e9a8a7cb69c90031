// Command bench prints one markdown table of hermes's performance, every
// row measured in the same run on loopback (issue 17 item 4; see
// docs/PERFORMANCE.md). Run it with bench/run [N] or go run ./bench -n N.
//
// It builds hermes and a Go hello-world, starts the in-repo stand-ins (an
// OIDC issuer and the Anthropic API) and measures the real binary as a user
// runs it: start-up, a warm `auth token`, 20 concurrent cold processes,
// `chat -q`, the gateway against direct calls, and ACP's first chunk. No
// network; bounded in time.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropicstandin"
	"github.com/hermes-agent/hermes/internal/gateway"
	"github.com/hermes-agent/hermes/internal/models"
	"github.com/hermes-agent/hermes/internal/oidcstandin"
)

func main() {
	n := flag.Int("n", 20, "runs per process measurement")
	requests := flag.Int("requests", 500, "requests per gateway latency measurement")
	only := flag.String("only", "", "run one measurement only: cache (the 10-prompt cache session)")
	bin := flag.String("hermes", "", "with -only: use this hermes binary instead of building one")
	flag.Parse()
	slog.SetDefault(slog.New(slog.DiscardHandler)) // the ACP SDK logs connection ends
	if *only == "cache" {
		runCacheOnly(*bin)
		return
	}
	if err := run(*n, *requests); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type row struct{ what, result string }

func run(n, requests int) error {
	dir, err := os.MkdirTemp("", "hermes-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	hermes, hello, err := build(dir)
	if err != nil {
		return err
	}
	fmt.Println(header())
	fmt.Println()

	w, err := newWorld(dir)
	if err != nil {
		return err
	}
	defer w.close()

	var rows []row
	add := func(what, result string) {
		rows = append(rows, row{what, result})
		fmt.Fprintf(os.Stderr, "bench: %s: %s\n", what, result)
	}

	helloStat := measure(n, func() *exec.Cmd { return exec.Command(hello) })
	versionStat := measure(n, func() *exec.Cmd { return w.cmd(hermes, "version") })
	add("start-up: Go hello-world", helloStat.String())
	add("start-up: `hermes version`", fmt.Sprintf("%s — %.1f× hello-world", versionStat, versionStat.ratio(helloStat)))

	// Warm: one exchange fills the shared cache; every later process reads it.
	if out, err := w.cmd(hermes, "auth", "token").CombinedOutput(); err != nil {
		return fmt.Errorf("hermes auth token (warming the cache): %v\n%s", err, out)
	}
	tokenStat := measure(n, func() *exec.Cmd { return w.cmd(hermes, "auth", "token") })
	add("`hermes auth token`, warm WIF cache", fmt.Sprintf("%s — %.1f× hello-world", tokenStat, tokenStat.ratio(helloStat)))

	add("token lookup, warm, in process", goBench("./internal/credential/wif/", "BenchmarkTokenWarm"))

	exchanges, err := w.coldProcesses(hermes, 20)
	if err != nil {
		return err
	}
	add("20 concurrent cold `hermes auth token` processes → exchanges", fmt.Sprintf("%d (want 1)", exchanges))

	chatStat := measure(n, func() *exec.Cmd { return w.cmd(hermes, "chat", "-q", "hello") })
	add("`hermes chat -q`, warm WIF cache", chatStat.String())

	cache, err := w.cacheSession(hermes, 10)
	if err != nil {
		return err
	}
	add("10-prompt `hermes chat -c` session, one read_file call per prompt, stand-in's prompt cache", cache)

	if err := w.gatewayRows(hermes, requests, add); err != nil {
		return err
	}

	acp, err := w.acpFirstChunk(hermes, n)
	if err != nil {
		return err
	}
	add("`hermes acp`: spawn → initialize → session/new → first chunk, warm cache", acp)

	fmt.Println("| what | result |")
	fmt.Println("|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %s |\n", r.what, r.result)
	}
	return nil
}

// header is the line that says where and when the table was measured.
func header() string {
	commit := "unknown"
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		commit = strings.TrimSpace(string(out))
		if exec.Command("git", "diff", "--quiet", "HEAD").Run() != nil {
			commit += "+dirty"
		}
	}
	load := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			load = strings.Join(f[:3], " / ")
		}
	}
	return fmt.Sprintf("bench/run: commit %s, %s, %s, %d CPUs (%s), %s, load average %s",
		commit, time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.Version(), runtime.NumCPU(), cpuModel(), memTotal(), load)
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	var kb int64
	if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
		return fmt.Sprintf("%d GiB", (kb+512*1024)>>20)
	}
	return "? GiB"
}

// shippedFlags build as the container image and the Action do: static
// (cgo off), trimmed, without symbol tables. Both binaries are built the
// same way, so the start-up ratio compares like with like.
var shippedFlags = []string{"build", "-trimpath", "-ldflags", "-s -w"}

// build compiles hermes and a hello-world into dir.
func build(dir string) (hermes, hello string, err error) {
	gobin := goBinary()
	hermes = filepath.Join(dir, "hermes")
	hcmd := exec.Command(gobin, append(shippedFlags, "-o", hermes, "./cmd/hermes")...)
	hcmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := hcmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build ./cmd/hermes: %v\n%s", err, out)
	}
	src := filepath.Join(dir, "hello")
	if err := os.MkdirAll(src, 0o700); err != nil {
		return "", "", err
	}
	files := map[string]string{
		"go.mod":  "module hello\n\ngo 1.26\n",
		"main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o600); err != nil {
			return "", "", err
		}
	}
	hello = filepath.Join(dir, "hello-world")
	cmd := exec.Command(gobin, append(shippedFlags, "-o", hello, ".")...)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build hello-world: %v\n%s", err, out)
	}
	return hermes, hello, nil
}

// procStat is the mean wall time and the largest peak RSS of n runs.
type procStat struct {
	mean   time.Duration
	maxRSS int64 // KiB
	failed int
}

func (s procStat) String() string {
	r := fmt.Sprintf("%.1f ms mean wall, %.1f MiB peak RSS", float64(s.mean.Microseconds())/1000, float64(s.maxRSS)/1024)
	if s.failed > 0 {
		r += fmt.Sprintf(" (%d runs FAILED)", s.failed)
	}
	return r
}

func (s procStat) ratio(base procStat) float64 {
	if base.mean == 0 {
		return 0
	}
	return float64(s.mean) / float64(base.mean)
}

// measure runs the command n times, one after the other.
func measure(n int, mk func() *exec.Cmd) procStat {
	var total time.Duration
	var st procStat
	for range n {
		cmd := mk()
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		start := time.Now()
		err := cmd.Run()
		total += time.Since(start)
		if err != nil {
			st.failed++
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			st.maxRSS = max(st.maxRSS, ru.Maxrss)
		}
	}
	st.mean = total / time.Duration(max(n, 1))
	return st
}

// goBench runs one Go benchmark and returns its result line's numbers.
func goBench(pkg, name string) string {
	gobin := goBinary()
	out, err := exec.Command(gobin, "test", "-run", "^$", "-bench", "^"+name+"$", "-benchmem", "-count", "1", pkg).CombinedOutput()
	if err != nil {
		return "FAILED: " + err.Error()
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, name) {
			f := strings.Fields(l)
			if len(f) >= 8 {
				return strings.Join(f[2:], " ")
			}
		}
	}
	return "no result"
}

// world is the stand-ins and a WIF configuration in the SDK's variables.
type world struct {
	dir string
	iss *oidcstandin.Issuer
	api *anthropicstandin.Server
	env []string
}

func newWorld(dir string) (*world, error) {
	iss, err := oidcstandin.Start()
	if err != nil {
		return nil, err
	}
	api, err := anthropicstandin.Start(anthropicstandin.Config{Issuer: iss})
	if err != nil {
		iss.Close()
		return nil, err
	}
	w := &world{dir: dir, iss: iss, api: api}
	jwt := filepath.Join(dir, "jwt")
	if err := os.WriteFile(jwt, []byte(iss.Mint(oidcstandin.Claims{TTL: time.Hour})), 0o600); err != nil {
		return nil, err
	}
	w.env = w.envFor(filepath.Join(dir, "home"), jwt)
	return w, nil
}

func (w *world) envFor(home, jwt string) []string {
	return []string{
		"HOME=" + home, "HERMES_HOME=" + filepath.Join(home, ".hermes"), "PATH=/usr/bin:/bin",
		"ANTHROPIC_BASE_URL=" + w.api.URL, "ANTHROPIC_FEDERATION_RULE_ID=" + anthropicstandin.DefaultRuleID,
		"ANTHROPIC_ORGANIZATION_ID=" + anthropicstandin.DefaultOrgID, "ANTHROPIC_IDENTITY_TOKEN_FILE=" + jwt,
	}
}

func (w *world) close() {
	w.api.Close()
	w.iss.Close()
}

func (w *world) cmd(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = w.env
	cmd.Dir = w.dir
	return cmd
}

// coldProcesses starts n `hermes auth token` at once on an empty
// HERMES_HOME and returns how many exchanges the stand-in saw.
func (w *world) coldProcesses(hermes string, n int) (int, error) {
	home := filepath.Join(w.dir, "cold")
	jwt := filepath.Join(w.dir, "cold-jwt")
	if err := os.WriteFile(jwt, []byte(w.iss.Mint(oidcstandin.Claims{TTL: time.Hour})), 0o600); err != nil {
		return 0, err
	}
	env := w.envFor(home, jwt)
	before := w.api.ExchangeCount()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		cmd := exec.Command(hermes, "auth", "token")
		cmd.Env = env
		wg.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("cold hermes auth token: %v\n%s", err, out)
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return w.api.ExchangeCount() - before, nil
}

// gatewayRows starts `hermes gateway` in front of the stand-in and
// compares the same requests sent through it and directly (with the
// token the gateway would add), for a zero-latency and a 5 ms upstream.
func (w *world) gatewayRows(hermes string, requests int, add func(what, result string)) error {
	cmd := w.cmd(hermes, "gateway", "--listen", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	base := ""
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if _, after, ok := strings.Cut(sc.Text(), "hermes gateway listening on "); ok {
			base = strings.TrimSpace(after)
			break
		}
	}
	go io.Copy(io.Discard, stderr)
	if base == "" {
		return fmt.Errorf("hermes gateway did not start")
	}
	key, err := os.ReadFile(filepath.Join(w.dir, "home", ".hermes", gateway.KeyFileName))
	if err != nil {
		return err
	}
	tok, err := w.cmd(hermes, "auth", "token").Output()
	if err != nil {
		return fmt.Errorf("hermes auth token: %v", err)
	}
	direct := target{url: w.api.URL, header: "Authorization", value: "Bearer " + strings.TrimSpace(string(tok))}
	via := target{url: base, header: "x-api-key", value: strings.TrimSpace(string(key))}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}

	// Warm both paths' connections.
	for range 20 {
		direct.do(client, false)
		via.do(client, false)
	}
	// Latency: sequential pairs, the same request each way, interleaved
	// so both see the same machine load.
	var dTot, gTot, dFirst, gFirst []time.Duration
	for range requests {
		d, df, err1 := direct.do(client, true)
		g, gf, err2 := via.do(client, true)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("request failed: direct %v, gateway %v", err1, err2)
		}
		dTot, gTot, dFirst, gFirst = append(dTot, d), append(gTot, g), append(dFirst, df), append(gFirst, gf)
	}
	add("gateway added latency, streamed request, p50 / p99", fmt.Sprintf("+%s / +%s (direct p50 %s)", ms(pct(gTot, 50)-pct(dTot, 50)), ms(pct(gTot, 99)-pct(dTot, 99)), ms(pct(dTot, 50))))
	add("time to first SSE event, direct vs gateway, p50", fmt.Sprintf("%s vs %s (+%s; p99 +%s)", ms(pct(dFirst, 50)), ms(pct(gFirst, 50)), ms(pct(gFirst, 50)-pct(dFirst, 50)), ms(pct(gFirst, 99)-pct(dFirst, 99))))

	for _, lat := range []time.Duration{0, 5 * time.Millisecond} {
		if lat > 0 {
			w.api.Fault("/v1/messages", anthropicstandin.Fault{Latency: lat})
		}
		// Alternate short windows so both see the same load on a shared machine.
		var dr, gr float64
		for range 3 {
			dr += throughput(client, direct, 16, 700*time.Millisecond) / 3
			gr += throughput(client, via, 16, 700*time.Millisecond) / 3
		}
		w.api.ClearFaults()
		add(fmt.Sprintf("gateway throughput vs direct, 16 clients, %s upstream", map[bool]string{true: "zero-latency", false: "5 ms"}[lat == 0]),
			fmt.Sprintf("%.2f (%.0f vs %.0f req/s)", gr/dr, gr, dr))
	}
	return nil
}

type target struct{ url, header, value string }

var body = `{"model":"` + string(models.DefaultModel) + `","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hello"}]}`

// do sends one streamed request and returns the time to the whole answer
// and to the first SSE event.
func (t target) do(c *http.Client, _ bool) (total, first time.Duration, err error) {
	req, _ := http.NewRequest(http.MethodPost, t.url+"/v1/messages", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("anthropic-beta", "oauth-2025-04-20")
	req.Header.Set(t.header, t.value)
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, 0, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		if first == 0 && strings.HasPrefix(line, "data:") {
			first = time.Since(start)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, 0, err
		}
	}
	return time.Since(start), first, nil
}

// throughput is completed requests per second from clients clients in d.
func throughput(c *http.Client, t target, clients int, d time.Duration) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				if _, _, err := t.do(c, false); err == nil && ctx.Err() == nil {
					mu.Lock()
					done++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return float64(done) / time.Since(start).Seconds()
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d.Microseconds())/1000) }

// goBinary is the go command on PATH: the toolchain this bench was started
// with (`go run ./bench`), which is also the one that builds hermes.
func goBinary() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go"
}
