package faultmatrix

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/models"
)

// The test binary is also hermes (hermestest, the one way tests run hermes
// as a process: started under the name "hermes" it is the real command,
// root.Main, so the matrix needs no `go build`). Run with the first
// argument clientArg it is the child that `hermes exec` starts: one
// Messages API request to the ANTHROPIC_BASE_URL it was given.
const (
	fsizeEnv  = "HERMES_FAULTMATRIX_FSIZE" // bytes: the largest file the process may write (a full disk)
	clientArg = "faultmatrix-client"
)

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == clientArg {
		os.Exit(clientMain())
	}
	if len(os.Args) > 2 && os.Args[1] == orphanArg {
		os.Exit(orphanMain(os.Args[2]))
	}
	if filepath.Base(os.Args[0]) == hermestest.Name {
		if code := limitFileSize(); code != 0 {
			os.Exit(code)
		}
	}
	hermestest.Main(m)
}

// limitFileSize applies fsizeEnv in the hermes process before the command
// runs.
func limitFileSize() int {
	v := os.Getenv(fsizeEnv)
	if v == "" {
		return 0
	}
	// RLIMIT_FSIZE turns a write past n bytes into EFBIG, as a full
	// disk turns it into ENOSPC; SIGXFSZ would kill the process first.
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultmatrix:", err)
		return 99
	}
	signal.Ignore(syscall.SIGXFSZ)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
		fmt.Fprintln(os.Stderr, "faultmatrix: setrlimit:", err)
		return 99
	}
	os.Unsetenv(fsizeEnv)
	return 0
}

// clientMain is a minimal Anthropic client: one streamed Messages request
// with the credential hermes exec handed over. It prints "status=N" and the
// body, and exits 0 only on a complete 200 stream.
func clientMain() int {
	base, tok := os.Getenv("ANTHROPIC_BASE_URL"), os.Getenv("ANTHROPIC_AUTH_TOKEN")
	if base == "" || tok == "" {
		fmt.Fprintln(os.Stderr, "client: no ANTHROPIC_BASE_URL or ANTHROPIC_AUTH_TOKEN")
		return 98
	}
	status, body, err := messagesRequest(http.DefaultClient, base, "Authorization", "Bearer "+tok)
	fmt.Printf("status=%d\n%s\n", status, body)
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		return 3
	}
	if status != http.StatusOK {
		return 3
	}
	return 0
}

var messagesBody = `{"model":"` + string(models.DefaultModel) + `","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hello"}]}`

// messagesRequest sends one streamed Messages request and reads the whole
// answer (at most 1 MiB kept).
func messagesRequest(c *http.Client, base, authHeader, authValue string) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/v1/messages", bytes.NewReader([]byte(messagesBody)))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set(authHeader, authValue)
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = io.Copy(&b, io.LimitReader(resp.Body, 1<<20))
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	return resp.StatusCode, b.String(), err
}
