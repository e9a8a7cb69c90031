package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/hermes-agent/hermes/internal/credential"
)

// The SDK reads response bodies (error bodies included) without a limit
// and waits as long as the context allows. These bound what one API
// response may cost: a server that stalls or never stops talking ends the
// request with an error instead of hanging hermes (or a cron job) forever.
// Anthropic streams ping events, so a healthy stream is never idle this long.
const (
	maxResponseBytes    int64 = 64 << 20
	responseIdleTimeout       = 5 * time.Minute
)

// responseBounds are one agent's bounds (Config.bounds); a zero field takes
// the constant above. Tests lower them, each for its own agent.
type responseBounds struct {
	maxBytes int64
	idle     time.Duration
}

// middleware bounds each API response; HERMES_HTTP_TIMEOUT, when set,
// replaces the idle bound.
func (b responseBounds) middleware() option.Middleware {
	if b.maxBytes <= 0 {
		b.maxBytes = maxResponseBytes
	}
	if b.idle <= 0 {
		b.idle = responseIdleTimeout
	}
	return boundResponses(b.maxBytes, credential.HTTPTimeout(nil, b.idle))
}

var (
	errStalled  = errors.New("the Anthropic API sent nothing for too long; giving up on this request")
	errTooLarge = errors.New("the Anthropic API response is too large; giving up on this request")
)

// boundResponses is SDK middleware that applies maxResponseBytes and
// responseIdleTimeout to each attempt: the wait for the headers and every
// wait for more of the body.
func boundResponses(limit int64, idle time.Duration) option.Middleware {
	return func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		ctx, cancel := context.WithCancelCause(req.Context())
		timer := time.AfterFunc(idle, func() { cancel(fmt.Errorf("%w (%s)", errStalled, idle)) })
		resp, err := next(req.WithContext(ctx))
		if err != nil {
			timer.Stop()
			if cause := context.Cause(ctx); ctx.Err() != nil && req.Context().Err() == nil {
				err = cause
			}
			cancel(nil)
			return resp, err
		}
		timer.Reset(idle)
		resp.Body = &boundedBody{rc: resp.Body, left: limit, idle: idle, timer: timer, ctx: ctx, parent: req.Context(), cancel: cancel}
		return resp, nil
	}
}

type boundedBody struct {
	rc     io.ReadCloser
	left   int64
	idle   time.Duration
	timer  *time.Timer
	ctx    context.Context // this attempt's; canceled by the idle timer
	parent context.Context // the caller's
	cancel context.CancelCauseFunc
	once   sync.Once
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	b.timer.Reset(b.idle)
	if err != nil && err != io.EOF && b.ctx.Err() != nil && b.parent.Err() == nil {
		err = context.Cause(b.ctx)
	}
	return n, err
}

func (b *boundedBody) Close() error {
	b.once.Do(func() {
		b.timer.Stop()
		b.cancel(nil)
	})
	return b.rc.Close()
}
