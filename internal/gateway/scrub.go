package gateway

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// The gateway's clients never hold the upstream credential, so nothing the
// upstream answers may hand it to them: an upstream (a proxy, a stand-in,
// a compromised endpoint) that reflects request headers into its response
// headers, its trailers or a 2xx body would otherwise leak it. scrubTransport
// sits under the credential transport, where the outgoing request carries
// the exact value sent, and masks that value (and the gateway key) in every
// response header, trailer and body byte. Bodies are scanned decoded: the
// gateway asks upstream for identity (see rewrite), decodes gzip and
// deflate if they come anyway, and refuses any other encoding, since
// bytes it cannot read it cannot check.

// acceptEncoding is what the gateway asks upstream for: bodies it can scan
// as they stream, with no codec to run.
const acceptEncoding = "identity"

// scrubTransport masks the credential sent with each request in its
// response.
type scrubTransport struct {
	base  http.RoundTripper
	extra []string // always masked too: the gateway key
}

// EncodingError is an upstream answer in a Content-Encoding the gateway
// cannot scan for the credential.
type EncodingError struct{ Encoding string }

func (e *EncodingError) Error() string {
	return fmt.Sprintf("the upstream answered with Content-Encoding %q, which the gateway cannot check for the upstream credential, so it is not passed on (the gateway asks for %q)", e.Encoding, acceptEncoding)
}

func (t scrubTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	secrets := append(sentCredentials(r.Header), t.extra...)
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	if err := scrubResponse(resp, newScrubber(secrets)); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

func (t scrubTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// sentCredentials are the credential values an outgoing request carries.
func sentCredentials(h http.Header) []string {
	var out []string
	out = append(out, h.Values("X-Api-Key")...)
	for _, v := range h.Values("Authorization") {
		if _, tok, ok := strings.Cut(v, " "); ok {
			out = append(out, strings.TrimSpace(tok))
		}
		out = append(out, v)
	}
	return out
}

// scrubResponse masks the secrets in resp's headers now, in its body as it
// is read, and in its trailers once the body is done.
func scrubResponse(resp *http.Response, s *scrubber) error {
	if s == nil {
		return nil
	}
	s.header(resp.Header)
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	var decode func(io.Reader) (io.Reader, error)
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		decode = func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }
	case "deflate":
		decode = func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) }
	default:
		return &EncodingError{Encoding: resp.Header.Get("Content-Encoding")}
	}
	if decode != nil {
		// The client gets the decoded body: its length is unknown.
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	resp.Body = &scrubBody{raw: resp.Body, decode: decode, s: s, trailer: func() { s.header(resp.Trailer) }}
	return nil
}

// scrubber masks a fixed set of secrets, each by a mask of its own length:
// an identity body keeps its Content-Length.
type scrubber struct {
	secrets [][]byte
	masks   [][]byte
	longest int
}

func newScrubber(values []string) *scrubber {
	s := &scrubber{}
	seen := map[string]bool{}
	for _, v := range values {
		// Short values would mask ordinary text (and cannot be a credential).
		if len(v) < 8 || seen[v] {
			continue
		}
		seen[v] = true
		s.secrets = append(s.secrets, []byte(v))
		s.masks = append(s.masks, maskOfLen(len(v)))
		s.longest = max(s.longest, len(v))
	}
	if len(s.secrets) == 0 {
		return nil
	}
	return s
}

func maskOfLen(n int) []byte {
	const word = "[redacted]"
	if n < len(word) {
		return bytes.Repeat([]byte("*"), n)
	}
	return []byte(word[:len(word)-1] + strings.Repeat("*", n-len(word)) + "]")
}

func (s *scrubber) header(h http.Header) {
	for name, vals := range h {
		for i, v := range vals {
			h[name][i] = string(s.all([]byte(v)))
		}
	}
}

// all masks every whole occurrence in b.
func (s *scrubber) all(b []byte) []byte {
	out, rest := s.scan(nil, b)
	return append(out, rest...)
}

// scan appends b to out with every whole occurrence masked, except for the
// tail that could be the start of a secret cut off by the end of b, which
// it returns for the next call.
func (s *scrubber) scan(out, b []byte) ([]byte, []byte) {
	for {
		at, which := -1, -1
		for i, v := range s.secrets {
			if j := bytes.Index(b, v); j >= 0 && (at < 0 || j < at) {
				at, which = j, i
			}
		}
		if at < 0 {
			break
		}
		out = append(out, b[:at]...)
		out = append(out, s.masks[which]...)
		b = b[at+len(s.secrets[which]):]
	}
	hold := 0
	for k := min(len(b), s.longest-1); k > 0 && hold == 0; k-- {
		for _, v := range s.secrets {
			if bytes.HasPrefix(v, b[len(b)-k:]) {
				hold = k
				break
			}
		}
	}
	return append(out, b[:len(b)-hold]...), b[len(b)-hold:]
}

// scrubBody streams the (decoded) body with the secrets masked. It holds
// back only bytes that could begin a secret, so an SSE event (ending in a
// blank line) is passed on as soon as it arrives.
type scrubBody struct {
	raw     io.ReadCloser
	decode  func(io.Reader) (io.Reader, error)
	src     io.Reader
	s       *scrubber
	trailer func()

	buf     []byte
	pending []byte // read but not yet scanned to the end: a possible secret start
	ready   []byte // scanned, to hand out
	err     error
}

func (b *scrubBody) Read(p []byte) (int, error) {
	for len(b.ready) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		b.fill()
	}
	n := copy(p, b.ready)
	b.ready = b.ready[n:]
	return n, nil
}

func (b *scrubBody) fill() {
	if b.src == nil {
		b.src = b.raw
		if b.decode != nil {
			r, err := b.decode(b.raw)
			if err != nil {
				b.err = fmt.Errorf("hermes gateway: decoding the upstream body: %w", err)
				return
			}
			b.src = r
		}
	}
	if b.buf == nil {
		b.buf = make([]byte, 32<<10)
	}
	n, err := b.src.Read(b.buf)
	in := append(b.pending, b.buf[:n]...)
	b.ready, b.pending = b.s.scan(b.ready[:0], in)
	if err != nil {
		if err == io.EOF {
			// Nothing more can complete a secret: the held tail goes out.
			// A decoder stops at its own end: read the raw body to its
			// end too, so the trailers are in before they are scrubbed.
			if b.decode != nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(b.raw, 64<<10))
			}
			b.ready = append(b.ready, b.pending...)
			b.pending = nil
			b.trailer()
		}
		b.err = err
	}
}

func (b *scrubBody) Close() error { return b.raw.Close() }
