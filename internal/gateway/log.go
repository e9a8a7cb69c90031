package gateway

import (
	"log/slog"
	"net/http"
	"time"
)

// recorder notes what the access log needs: status and bytes. It unwraps
// for http.ResponseController, so flushing reaches the real writer.
type recorder struct {
	http.ResponseWriter
	status     int
	bytes      int64
	firstByte  time.Time // when the first body byte was written
	proxied    bool      // the request went upstream (for the metrics)
	client     string    // the admitted client: jwt:ISSUER#SUB or key:gateway
	pattern    string    // the client's bounded label (its allow-list pattern)
	clientGone bool
}

func (r *recorder) WriteHeader(code int) {
	// A 1xx (the proxy passes upstream's 100 Continue on) is not the
	// response's status; the final one comes later.
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.firstByte.IsZero() {
		r.firstByte = time.Now()
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) Flush() {
	http.NewResponseController(r.ResponseWriter).Flush()
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logAccess writes one line per request: never headers or bodies, only
// what identifies the call (the upstream request-id included).
func (g *Gateway) logAccess(r *http.Request, rec *recorder, start time.Time, aborted bool) {
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", rec.status),
		slog.Duration("duration", time.Since(start)),
		slog.Int64("bytes", rec.bytes),
	}
	if rec.client != "" {
		// Who made the call: on a shared gateway the sub is the workload.
		attrs = append(attrs, slog.String("client", rec.client))
	}
	if id := rec.Header().Get("Request-Id"); id != "" {
		attrs = append(attrs, slog.String("request_id", id))
	}
	switch {
	case rec.clientGone || r.Context().Err() != nil:
		attrs = append(attrs, slog.String("outcome", "client disconnected"))
	case aborted:
		attrs = append(attrs, slog.String("outcome", "upstream stream broke"))
	}
	g.log.LogAttrs(r.Context(), slog.LevelInfo, "gateway request", attrs...)
}
