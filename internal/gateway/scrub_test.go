package gateway

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// The body scrubber masks a secret however the reads cut it, keeps the
// length, and holds back nothing that cannot begin a secret.
func TestScrubBodyAcrossReads(t *testing.T) {
	const secret = "sk-ant-oat01-SENTINEL-credential"
	in := "a s" + secret + "\n\nevent: x\n\n" + secret + "sk-ant-" + secret[:5]
	s := newScrubber([]string{secret, "short"})
	body := &scrubBody{raw: io.NopCloser(iotest.OneByteReader(strings.NewReader(in))), s: s, trailer: func() {}}
	got, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(in, secret, string(maskOfLen(len(secret))))
	if string(got) != want || len(got) != len(in) {
		t.Errorf("got %q, want %q", got, want)
	}

	// An SSE event is handed on whole before the next one arrives.
	pr, pw := io.Pipe()
	body = &scrubBody{raw: pr, s: s, trailer: func() {}}
	go pw.Write([]byte("data: {}\n\n"))
	buf := make([]byte, 64)
	n, err := body.Read(buf)
	if err != nil || string(buf[:n]) != "data: {}\n\n" {
		t.Errorf("first event: %q, %v", buf[:n], err)
	}
	pw.Close()
}
