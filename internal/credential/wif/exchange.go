package wif

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/exitcode"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/secret"
)

// Exchange timing. The SDK's own client would wait 30 s; so do we.
const (
	exchangeTimeout   = 30 * time.Second
	exchangeRetries   = 2                // retries after the first attempt
	maxRetryAfter     = 30 * time.Second // a longer retry-after is reported, not waited out
	assumedTokenLife  = 5 * time.Minute  // when the server omits expires_in
	minMintedLifetime = 60 * time.Second // the server never mints for less
)

// exchanger performs the jwt-bearer exchange through the SDK's
// config.ExchangeFederationAssertion, adding what hermes needs around it:
// the spent-assertion record, retries with fresh assertions, and errors
// that explain a 401.
type exchanger struct {
	userAgent string
	transport http.RoundTripper // nil: http.DefaultTransport
	timeout   time.Duration     // per attempt; 0: exchangeTimeout
	now       func() time.Time
	sleep     func(context.Context, time.Duration) error
	logger    *slog.Logger
}

// exchangeResult is one minted token.
type exchangeResult struct {
	Token      credential.Token
	ObtainedAt time.Time
	RequestID  string
	Identity   string // identityOf the assertion exchanged
}

// ExchangeError is a failed exchange. It never contains the assertion or a
// token: the server's message goes through secret.Redact first.
type ExchangeError struct {
	URL        string
	StatusCode int    // 0: no HTTP response
	RequestID  string // the server's request-id, for support
	ErrorType  string // e.g. authentication_error
	Message    string // the server's message, redacted
	Location   string // a redirect's target
	RetryAfter time.Duration
	Causes     []string // likely causes of a 401, most likely first
	Attempts   int
	Note       string // why hermes stopped retrying, if it did
	Err        error  // transport or protocol error

	notSent bool // the connection was never made: the assertion did not leave
}

// ExitCode: a refusal (4xx but 429) is "authentication refused" (4);
// 429, 5xx, redirects, timeouts and network failures are 1: the same
// configuration may work later.
func (e *ExchangeError) ExitCode() int {
	if e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != http.StatusTooManyRequests {
		return exitcode.Auth
	}
	return exitcode.Error
}

func (e *ExchangeError) Unwrap() error { return e.Err }

func (e *ExchangeError) Error() string {
	var b strings.Builder
	b.WriteString("WIF token exchange at " + e.URL + " failed")
	switch {
	case e.StatusCode >= 300 && e.StatusCode < 400:
		fmt.Fprintf(&b, ": the token endpoint answered with a redirect (status %d", e.StatusCode)
		if e.Location != "" {
			b.WriteString(" to " + e.Location)
		}
		b.WriteString("); hermes never follows redirects with an identity token — check the base URL")
	case e.Err != nil:
		b.WriteString(": " + e.Err.Error())
	case e.StatusCode != 0:
		fmt.Fprintf(&b, ": status %d", e.StatusCode)
		if e.ErrorType != "" {
			b.WriteString(" " + e.ErrorType)
		}
		if e.Message != "" {
			fmt.Fprintf(&b, " %q", e.Message)
		}
	}
	if e.RequestID != "" {
		b.WriteString(" (request-id " + e.RequestID + ")")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, "; the server asked to retry after %s", e.RetryAfter)
	}
	if e.Note != "" {
		b.WriteString("; " + e.Note)
	}
	if len(e.Causes) > 0 {
		b.WriteString("\nlikely causes, most likely first:")
		for i, c := range e.Causes {
			fmt.Fprintf(&b, "\n  %d. %s", i+1, c)
		}
	}
	return b.String()
}

// retryable: connection failures, timeouts, 429 and 5xx. Never a 401 (the
// assertion is spent or wrong) nor another 4xx (the request is wrong).
func (e *ExchangeError) retryable() bool {
	return e.StatusCode == 0 && e.Err != nil && !errors.Is(e.Err, errProtocol) ||
		e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

var errProtocol = errors.New("protocol error")

// spentSet is the record of assertions this user's hermes has exchanged:
// in memory, and on disk when there is a HERMES_HOME.
type spentSet struct {
	mu     sync.Mutex
	mem    map[string]time.Time
	failed map[string]error // assertions whose exchange failed, and how
	disk   *diskCache
}

func newSpentSet(disk *diskCache) *spentSet {
	return &spentSet{mem: map[string]time.Time{}, failed: map[string]error{}, disk: disk}
}

// fail records that the exchange of fp failed with xerr, so that a later
// lookup of the same assertion (the SDK retrying the API request, the next
// hermes run) reports that failure rather than "already exchanged".
func (s *spentSet) fail(fp string, exp, now time.Time, xerr *ExchangeError) {
	s.mu.Lock()
	s.failed[fp] = xerr
	s.mu.Unlock()
	if s.disk != nil {
		s.disk.markFailed(fp, exp, now, &failedExchange{Message: xerr.Error(), Code: xerr.ExitCode()})
	}
}

// failure is the error the exchange of fp ended with, or nil when it
// succeeded (or is not known).
func (s *spentSet) failure(fp string) error {
	s.mu.Lock()
	err := s.failed[fp]
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if s.disk != nil {
		if f := s.disk.failure(fp); f != nil {
			return &PriorExchangeError{Message: f.Message, Code: f.Code}
		}
	}
	return nil
}

// refusal is why the spent assertion fp is not sent again: the failure
// its exchange ended with (that is the truth, not "already exchanged"),
// or SpentAssertionError.
func (s *spentSet) refusal(fp string, claims *identity.Claims, src identity.Source) error {
	if ferr := s.failure(fp); ferr != nil {
		return ferr
	}
	e := &SpentAssertionError{Source: src.Describe(), Mints: src.Mints()}
	if claims != nil {
		e.Exp = claims.Expiry
	}
	return e
}

func (s *spentSet) has(fp string, now time.Time) bool {
	s.mu.Lock()
	exp, ok := s.mem[fp]
	s.mu.Unlock()
	if ok && (exp.IsZero() || now.Before(exp.Add(spentKeep))) {
		return true
	}
	return s.disk != nil && s.disk.isSpent(fp, now)
}

func (s *spentSet) mark(fp string, exp, now time.Time) error {
	s.mu.Lock()
	for k, e := range s.mem { // prune as we go: the set stays small
		if !e.IsZero() && now.After(e.Add(spentKeep)) {
			delete(s.mem, k)
		}
	}
	s.mem[fp] = exp
	s.mu.Unlock()
	if s.disk == nil {
		return nil
	}
	s.disk.pruneSpent(now)
	if err := s.disk.markSpent(fp, exp, now); err != nil {
		// Not recorded, so not sent: the next attempt must meet this
		// error again (a full disk), not "already exchanged".
		s.mu.Lock()
		delete(s.mem, fp)
		s.mu.Unlock()
		return err
	}
	return nil
}

func (s *spentSet) unmark(fp string) {
	s.mu.Lock()
	delete(s.mem, fp)
	delete(s.failed, fp)
	s.mu.Unlock()
	if s.disk != nil {
		s.disk.unmarkSpent(fp)
	}
}

// run exchanges a fresh assertion from src, retrying transient failures
// (at most exchangeRetries times) with a new assertion where one can be
// had. An assertion that reached the server is never sent again.
func (x *exchanger) run(ctx context.Context, cfg Config, src identity.Source, spent *spentSet) (exchangeResult, error) {
	url := strings.TrimRight(cfg.BaseURL, "/") + config.TokenEndpoint
	if err := config.RequireSecureTokenEndpoint(cfg.BaseURL); err != nil {
		return exchangeResult{}, &ExchangeError{URL: url, Err: fmt.Errorf("%w: the token endpoint must be https (plain http only on localhost); the identity token was not sent", errProtocol)}
	}
	var last *ExchangeError
	for attempt := 1; ; attempt++ {
		raw, err := src.Token(ctx)
		if err != nil {
			if last != nil {
				last.Note = "could not get a fresh identity token to retry with: " + err.Error()
				return exchangeResult{}, last
			}
			return exchangeResult{}, err
		}
		secret.Remember(raw)
		fp := identity.Fingerprint(raw)
		claims, _ := identity.Inspect(raw)
		now := x.now()
		if spent.has(fp, now) {
			if last != nil {
				last.Note = "not retried: " + src.Describe() + " still holds the same identity token, which already reached the server (assertions are single-use)"
				return exchangeResult{}, last
			}
			return exchangeResult{}, spent.refusal(fp, claims, src)
		}
		var exp time.Time
		if claims != nil {
			exp = claims.Expiry
		}
		// Record before sending: once the request leaves, the server may
		// have consumed the assertion even if no answer comes back.
		if err := spent.mark(fp, exp, now); err != nil {
			return exchangeResult{}, fmt.Errorf("record the identity token as used: %w (nothing was sent)", err)
		}
		res, xerr := x.once(ctx, url, cfg, raw, claims)
		if xerr == nil {
			res.Identity = identityOf(raw)
			return res, nil
		}
		xerr.Attempts = attempt
		if xerr.notSent {
			spent.unmark(fp)
		} else if ctx.Err() == nil {
			// Recorded on return, after Note and Causes are set. A canceled
			// run records nothing: "already exchanged" is then the truth.
			defer spent.fail(fp, exp, now, xerr)
		}
		if xerr.StatusCode == http.StatusUnauthorized {
			xerr.Causes = diagnose401(cfg, claims, src, x.now())
		}
		if ctx.Err() != nil || !xerr.retryable() || attempt > exchangeRetries {
			return exchangeResult{}, xerr
		}
		wait := backoff(attempt)
		if xerr.RetryAfter > 0 {
			wait = xerr.RetryAfter
		}
		if wait > maxRetryAfter {
			xerr.Note = "not waiting that long"
			return exchangeResult{}, xerr
		}
		x.logger.Debug("WIF exchange failed, retrying", "status", xerr.StatusCode, "request_id", xerr.RequestID, "attempt", attempt, "wait", wait)
		if err := x.sleep(ctx, wait); err != nil {
			return exchangeResult{}, xerr
		}
		last = xerr
	}
}

func backoff(attempt int) time.Duration {
	return time.Duration(attempt) * 500 * time.Millisecond
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// once performs one exchange through the SDK.
func (x *exchanger) once(ctx context.Context, url string, cfg Config, assertion string, claims *identity.Claims) (exchangeResult, *ExchangeError) {
	rec := &recorder{base: x.transport}
	timeout := x.timeout
	if timeout == 0 {
		timeout = exchangeTimeout
	}
	client := &http.Client{Transport: rec, Timeout: timeout}
	start := x.now()
	creds, err := config.ExchangeFederationAssertion(ctx, config.FederationExchangeParams{
		Assertion:        assertion,
		FederationRuleID: cfg.FederationRuleID,
		OrganizationID:   cfg.OrganizationID,
		ServiceAccountID: cfg.ServiceAccountID,
		WorkspaceID:      cfg.WorkspaceID,
		BaseURL:          cfg.BaseURL,
		HTTPClient:       client, // the SDK adds its no-redirect policy
		UserAgent:        x.userAgent,
	})
	xe := &ExchangeError{URL: url, RequestID: rec.requestID, Location: rec.location, RetryAfter: rec.retryAfter}
	if err != nil {
		var fe *config.FederationExchangeError
		if errors.As(err, &fe) {
			xe.StatusCode = fe.StatusCode
			xe.ErrorType, xe.Message = parseErrorBody(fe.Body, assertion)
			return exchangeResult{}, xe
		}
		if !rec.responded {
			xe.notSent = !rec.sent || isDialError(err)
			xe.Err = errors.New(secret.Redact(transportMessage(err, timeout), assertion))
			return exchangeResult{}, xe
		}
		xe.StatusCode = rec.status
		if rec.tooLarge {
			xe.Err = fmt.Errorf("%w: the answer is too large (over 1 MiB); a token response is a few hundred bytes — check the base URL", errProtocol)
			return exchangeResult{}, xe
		}
		xe.Err = fmt.Errorf("%w: %s", errProtocol, secret.Redact(err.Error(), assertion))
		return exchangeResult{}, xe
	}
	if !validHeaderValue(creds.AccessToken) {
		xe.Err = fmt.Errorf("%w: the token endpoint returned an access_token that is not a valid header value (empty, or with spaces or control characters); it was not used", errProtocol)
		return exchangeResult{}, xe
	}
	if rec.expiresIn != nil && *rec.expiresIn <= 0 {
		xe.Err = fmt.Errorf("%w: the token endpoint returned expires_in %d; a lifetime must be positive", errProtocol, *rec.expiresIn)
		return exchangeResult{}, xe
	}
	if !strings.EqualFold(rec.tokenType, "Bearer") {
		xe.Err = fmt.Errorf("%w: the token endpoint returned token_type %q; hermes only uses Bearer tokens", errProtocol, rec.tokenType)
		return exchangeResult{}, xe
	}
	life := time.Duration(0)
	if rec.expiresIn != nil {
		life = maxTokenLife
		if *rec.expiresIn < int64(maxTokenLife/time.Second) {
			life = time.Duration(*rec.expiresIn) * time.Second
		} else {
			x.logger.Debug("token endpoint's expires_in capped", "expires_in", *rec.expiresIn, "cap", maxTokenLife)
		}
	} else {
		life = assumedLife(claims, start)
		x.logger.Debug("token endpoint omitted expires_in; assuming a short life", "life", life)
	}
	return exchangeResult{
		Token:      credential.Token{Value: creds.AccessToken, Expiry: start.Add(life)},
		ObtainedAt: start,
		RequestID:  rec.requestID,
	}, nil
}

// assumedLife is the lifetime to assume when the server does not say:
// short, and never longer than the server could have minted for
// (2 × the JWT's remaining life).
func assumedLife(claims *identity.Claims, now time.Time) time.Duration {
	life := assumedTokenLife
	if claims != nil && !claims.Expiry.IsZero() {
		bound := max(2*claims.Expiry.Sub(now), minMintedLifetime)
		life = min(life, bound)
	}
	return life
}

// parseErrorBody reads Anthropic's error shape, or the OAuth one, and
// redacts the assertion should a proxy have echoed it.
func parseErrorBody(body, assertion string) (typ, msg string) {
	var anth struct {
		Error json.RawMessage `json:"error"`
		Desc  string          `json:"error_description"`
	}
	if json.Unmarshal([]byte(body), &anth) == nil {
		var inner struct{ Type, Message string }
		var code string
		switch {
		case json.Unmarshal(anth.Error, &inner) == nil:
			typ, msg = inner.Type, inner.Message
		case json.Unmarshal(anth.Error, &code) == nil:
			typ, msg = code, anth.Desc
		}
	}
	// Redact first: a cut through a secret would leave a part no longer
	// recognisable by value or by shape.
	return secret.Truncate(secret.RedactShapes(typ, assertion), 100), secret.Truncate(secret.RedactShapes(msg, assertion), 500)
}

func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func transportMessage(err error, timeout time.Duration) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Sprintf("no answer within %s", timeout)
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap().Error()
	}
	return err.Error()
}

// recorder is the exchange's RoundTripper: it notes what the SDK does not
// return (request-id on success, token_type, whether expires_in was there,
// redirect target, retry-after) and whether the request ever left.
type recorder struct {
	base http.RoundTripper

	sent, responded bool
	status          int
	requestID       string
	location        string
	retryAfter      time.Duration
	tokenType       string
	expiresIn       *int64
	tooLarge        bool // the 2xx body exceeded maxTokenResponse
}

// maxTokenResponse bounds the token endpoint's answer; a token response
// is a few hundred bytes.
const maxTokenResponse = 1 << 20

// maxTokenLife caps the lifetime hermes believes the server gave a token:
// a wrong or hostile expires_in must not keep a token cached for days.
const maxTokenLife = 24 * time.Hour

// errTooLarge is the recorder's answer to an oversized token response.
var errTooLarge = errors.New("the token endpoint's answer is larger than 1 MiB")

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	base := r.base
	if base == nil {
		base = http.DefaultTransport
	}
	r.sent = true
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	r.responded = true
	r.status = resp.StatusCode
	r.requestID = resp.Header.Get("Request-Id")
	r.location = resp.Header.Get("Location")
	r.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if resp.StatusCode/100 != 2 {
		return resp, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse+1))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if len(body) > maxTokenResponse {
		r.tooLarge = true
		return nil, errTooLarge
	}
	var parsed struct {
		TokenType string `json:"token_type"`
		ExpiresIn *int64 `json:"expires_in"`
	}
	if json.Unmarshal(body, &parsed) == nil {
		r.tokenType, r.expiresIn = parsed.TokenType, parsed.ExpiresIn
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// validHeaderValue: a token goes into an Authorization header, so it must
// be non-empty visible ASCII without spaces (no CR/LF: no header injection).
func validHeaderValue(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// parseRetryAfter reads delta-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// RetryAfterHint is the server's retry-after (credential.UnavailableError
// reads it without importing this package).
func (e *ExchangeError) RetryAfterHint() time.Duration { return e.RetryAfter }
