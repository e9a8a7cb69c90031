package gateway

import (
	"math"
	"sync"
	"time"
)

// ClientLimits bound what one client (one token subject, or the holders of
// the gateway key together) may use. Zero fields mean no limit.
type ClientLimits struct {
	// MaxStreams is the most requests one client may have in flight.
	MaxStreams int
	// RPM is the most requests one client may start per minute (a token
	// bucket: bursts up to RPM, refilled evenly over the minute).
	RPM int
}

func (l ClientLimits) enabled() bool { return l.MaxStreams > 0 || l.RPM > 0 }

// Limit kinds, the values of the limit label.
const (
	limitStreams = "streams"
	limitRPM     = "rpm"
)

// limiter keeps per-client counters. Clients idle long enough to be back at
// a full bucket with nothing in flight are forgotten, so memory stays
// bounded by the clients active in the last minute.
type limiter struct {
	limits ClientLimits
	now    func() time.Time

	mu      sync.Mutex
	clients map[string]*clientState
}

type clientState struct {
	inFlight int
	tokens   float64
	last     time.Time
}

// sweepAbove is the map size past which idle clients are forgotten.
const sweepAbove = 1024

func newLimiter(l ClientLimits, now func() time.Time) *limiter {
	return &limiter{limits: l, now: now, clients: map[string]*clientState{}}
}

// acquire admits one request for client, or says which limit refused it
// and after how long a retry can succeed. A nil release means refused.
func (l *limiter) acquire(client string) (release func(), limit string, retryAfter time.Duration) {
	if l == nil || !l.limits.enabled() {
		return func() {}, "", 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.clients[client]
	if st == nil {
		if len(l.clients) >= sweepAbove {
			l.sweep(now)
		}
		st = &clientState{tokens: float64(l.limits.RPM), last: now}
		l.clients[client] = st
	}
	if l.limits.RPM > 0 {
		perSec := float64(l.limits.RPM) / 60
		st.tokens = math.Min(float64(l.limits.RPM), st.tokens+now.Sub(st.last).Seconds()*perSec)
		st.last = now
	}
	if l.limits.MaxStreams > 0 && st.inFlight >= l.limits.MaxStreams {
		// No way to know when a stream ends; one second is a polite poll.
		return nil, limitStreams, time.Second
	}
	if l.limits.RPM > 0 {
		if st.tokens < 1 {
			wait := time.Duration((1 - st.tokens) / (float64(l.limits.RPM) / 60) * float64(time.Second))
			return nil, limitRPM, wait
		}
		st.tokens--
	}
	st.inFlight++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			st.inFlight--
			l.mu.Unlock()
		})
	}, "", 0
}

// sweep forgets clients with nothing in flight whose bucket has refilled.
func (l *limiter) sweep(now time.Time) {
	for k, st := range l.clients {
		if st.inFlight == 0 && (l.limits.RPM == 0 || now.Sub(st.last) >= time.Minute) {
			delete(l.clients, k)
		}
	}
}

// retryAfterSeconds rounds up: "retry-after: 0" would invite a hot loop.
func retryAfterSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}
