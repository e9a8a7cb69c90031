package anthropicstandin

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Fault is a misbehaviour injected on one route. Several fields combine:
// Latency delays whatever else happens; Status (with RetryAfter) answers
// an error instead of handling the request, with a HugeBodyBytes or
// MalformedJSON body if asked; HugeBodyBytes alone answers 200 with a huge
// JSON body; MalformedJSON and CutStreamAfterEvents let the request be
// handled for real (an exchange spends its assertion) and then break the
// response.
type Fault struct {
	Status     int    // e.g. 429, 500, 529; 0 = handle normally
	RetryAfter string // retry-after header value, e.g. "3"
	Latency    time.Duration
	// CutStreamAfterEvents ends the connection mid-event after that many SSE
	// events (or mid-body for a JSON response).
	CutStreamAfterEvents int
	MalformedJSON        bool
	RedirectTo           string // 307 to this URL instead of answering
	// DropConnection closes the connection before any response (a proxy
	// or load balancer that hangs up).
	DropConnection bool
	HugeBodyBytes  int64
	// StallStreamAfterEvents sends that many SSE events, then nothing more
	// until the client hangs up (a cancel mid-stream).
	StallStreamAfterEvents int
	// EchoHeaders answers Status (400 when Status is 0) with an error whose
	// message quotes every request header, credentials included, as some
	// proxies (LiteLLM) do: sentinel tests check hermes never shows them.
	// On /v1/oauth/token it quotes the request body too (the assertion,
	// a refresh token).
	EchoHeaders bool
	// ReflectCredential answers Status (200 when 0) with the request's
	// credential reflected everywhere a broken or hostile upstream could put
	// it: a response header, a trailer, and a message body whose text
	// quotes it, written in two flushed halves split inside the credential
	// and encoded with ReflectEncoding. The gateway tests check that no
	// client ever sees it.
	ReflectCredential bool
	// ReflectEncoding is the Content-Encoding of a ReflectCredential body:
	// "" (identity), "gzip", "deflate" (zlib) or any other name, whose
	// body is the raw text labelled with that encoding (a codec hermes
	// cannot read must be refused, whatever its bytes).
	ReflectEncoding string
	// Hold keeps the request, once its body is read, until Hold is
	// closed (or the stand-in closes), whatever the client does meanwhile,
	// and then handles it for real: a server that got the request and
	// acts on it (rotates a refresh token, spends an assertion) though
	// the client may be gone. A test uses it to send a signal while the
	// request is in flight.
	Hold <-chan struct{}
	// Arrived, with Hold, is sent one value (without blocking) when a
	// held request has arrived.
	Arrived chan<- struct{}
	// Times is how many requests the fault applies to; 0 = until cleared.
	Times int
}

// AnyRoute as the route of Fault applies to every path without a fault of
// its own.
const AnyRoute = "*"

// Fault injects f on route, a path such as "/v1/oauth/token" or
// "/v1/messages" (or AnyRoute), replacing that route's previous fault.
func (s *Server) Fault(route string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[route] = &f
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// takeFault returns the fault for path, counting one use.
func (s *Server) takeFault(path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	route := path
	f := s.faults[route]
	if f == nil {
		route = AnyRoute
		f = s.faults[route]
	}
	if f == nil {
		return nil
	}
	got := *f
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			delete(s.faults, route)
		}
	}
	return &got
}

type faultKey struct{}

// faultOf is the response-breaking fault the handler must apply, if any.
func faultOf(r *http.Request) *Fault {
	f, _ := r.Context().Value(faultKey{}).(*Fault)
	return f
}

// applyFrontFault applies the parts of a fault that replace handling and
// reports whether the response is done. Response-breaking parts go to the
// handler through the request context.
func (s *Server) applyFrontFault(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	f := s.takeFault(r.URL.Path)
	if f == nil {
		return r, false
	}
	if f.Latency > 0 {
		// The server notices a client hanging up only once the body is
		// read, so read it before waiting.
		body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		t := time.NewTimer(f.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return r, true
		}
	}
	if f.Hold != nil {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		if f.Arrived != nil {
			select {
			case f.Arrived <- struct{}{}:
			default:
			}
		}
		select {
		case <-f.Hold:
		case <-s.closed:
			return r, true
		}
		// Handled for real even if the client hung up meanwhile.
		r = r.WithContext(context.WithoutCancel(r.Context()))
	}
	if f.RetryAfter != "" {
		w.Header().Set("retry-after", f.RetryAfter)
	}
	switch {
	case f.EchoHeaders:
		writeError(w, cmp.Or(f.Status, http.StatusBadRequest), errorType(cmp.Or(f.Status, http.StatusBadRequest)), echoRequest(r))
		return r, true
	case f.ReflectCredential:
		reflectCredential(w, r, cmp.Or(f.Status, http.StatusOK), f.ReflectEncoding)
		return r, true
	case f.DropConnection:
		panic(http.ErrAbortHandler)
	case f.RedirectTo != "":
		http.Redirect(w, r, f.RedirectTo, http.StatusTemporaryRedirect)
		return r, true
	case f.Status != 0 && f.HugeBodyBytes > 0, f.Status == 0 && f.HugeBodyBytes > 0:
		writeHuge(w, max(f.Status, http.StatusOK), f.HugeBodyBytes)
		return r, true
	case f.Status != 0 && f.MalformedJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, malformed)
		return r, true
	case f.Status != 0:
		writeError(w, f.Status, errorType(f.Status), http.StatusText(f.Status)+" (injected fault)")
		return r, true
	}
	if f.MalformedJSON || f.CutStreamAfterEvents > 0 || f.StallStreamAfterEvents > 0 {
		r = r.WithContext(context.WithValue(r.Context(), faultKey{}, f))
	}
	return r, false
}

// echoRequest is the text an echoing proxy puts in its error: the
// request line and headers (sorted) and, on the token endpoint, the body.
func echoRequest(r *http.Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "upstream refused %s %s; request headers:", r.Method, r.URL.Path)
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, " %s=%q", k, strings.Join(r.Header.Values(k), ", "))
	}
	if r.URL.Path == "/v1/oauth/token" {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		fmt.Fprintf(&b, "; request body: %s", body)
	}
	return b.String()
}

// reflectCredential writes the ReflectCredential answer.
func reflectCredential(w http.ResponseWriter, r *http.Request, status int, encoding string) {
	_, cred := authOf(r)
	body := fmt.Sprintf(`{"id":"msg_reflect","type":"message","role":"assistant","model":"claude-reflect",`+
		`"content":[{"type":"text","text":"your credential is %s"}],"stop_reason":"end_turn","stop_sequence":null,`+
		`"usage":{"input_tokens":1,"output_tokens":1}}`, cred)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Reflected-Credential", cred)
	h.Set("X-Reflected-Authorization", r.Header.Get("Authorization")+r.Header.Get("X-Api-Key"))
	h.Set("Trailer", "X-Reflected-Trailer")
	if encoding != "" {
		h.Set("Content-Encoding", encoding)
	}
	w.WriteHeader(status)
	var out io.Writer = w
	var closer io.Closer
	switch encoding {
	case "gzip":
		zw := gzip.NewWriter(w)
		out, closer = zw, zw
	case "deflate":
		zw := zlib.NewWriter(w)
		out, closer = zw, zw
	}
	flush := func() {
		if f, ok := out.(interface{ Flush() error }); ok {
			_ = f.Flush()
		}
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	// Split inside the credential, so a redactor that looks at one write
	// at a time misses it.
	cut := strings.Index(body, cred) + len(cred)/2
	_, _ = io.WriteString(out, body[:cut])
	flush()
	_, _ = io.WriteString(out, body[cut:])
	if closer != nil {
		_ = closer.Close()
	}
	h.Set("X-Reflected-Trailer", cred)
}

// malformed is a JSON body that breaks off in the middle.
const malformed = `{"type":"message","id":"msg_01`

// writeHuge streams a syntactically valid JSON object of about n bytes
// without holding it in memory.
func writeHuge(w http.ResponseWriter, status int, n int64) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"padding":"`)
	chunk := strings.Repeat("x", 32<<10)
	for left := n; left > 0; left -= int64(len(chunk)) {
		c := chunk
		if left < int64(len(c)) {
			c = c[:left]
		}
		if _, err := io.WriteString(w, c); err != nil {
			return
		}
	}
	_, _ = io.WriteString(w, `"}`)
}

// errorType is the Anthropic error type for an HTTP status.
func errorType(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case 529:
		return "overloaded_error"
	default:
		return "api_error"
	}
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeResult writes a successful JSON response, broken as the request's
// fault says.
func writeResult(w http.ResponseWriter, r *http.Request, v any) {
	f := faultOf(r)
	if f == nil {
		writeJSON(w, http.StatusOK, v)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if f.MalformedJSON {
		_, _ = io.WriteString(w, malformed)
		return
	}
	b, _ := json.Marshal(v)
	_, _ = w.Write(b[:len(b)/2])
	abort(w)
}

// abort ends the connection without finishing the response, as a proxy
// that drops a connection does.
func abort(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler)
}
