package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/secret"
)

// readyCheckEvery bounds how often /readyz may try to obtain a token when
// none is held: probes come every few seconds from every kubelet.
const readyCheckEvery = 10 * time.Second

// readyTimeout bounds one attempt to obtain a token for /readyz.
const readyTimeout = 10 * time.Second

// Drain marks the gateway as shutting down: /readyz answers 503 from now
// on, so load balancers stop sending new clients while open streams finish.
func (g *Gateway) Drain() { g.draining.Store(true) }

// ready answers GET /readyz without a key: 200 when a valid token is held
// or can be obtained now, 503 while draining or when the credential cannot
// be obtained (the reason, redacted, in the body).
func (g *Gateway) ready(w http.ResponseWriter, r *http.Request) {
	status, body := http.StatusOK, map[string]any{"status": "ready"}
	switch err := g.readiness(r.Context()); {
	case g.draining.Load():
		status, body = http.StatusServiceUnavailable, map[string]any{"status": "draining"}
	case err != nil:
		status, body = http.StatusServiceUnavailable, map[string]any{"status": "no credential", "error": secret.Redact(err.Error(), g.opts.Key)}
	}
	if berr := g.budgetReadiness(r.Context()); berr != nil {
		msg := secret.Redact(berr.Error(), g.opts.Key)
		if g.opts.Budgets.FailsOpen() {
			// Serving, unmetered: ready, but say so.
			body["budget_store"] = "unreachable; requests are served without budgets (--budget-store-fail open): " + msg
		} else if status == http.StatusOK {
			status, body = http.StatusServiceUnavailable, map[string]any{"status": "budget store unreachable", "error": msg + "; budgeted requests are refused (--budget-store-fail closed)"}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// readiness is nil when a token that has not expired is held; otherwise it
// tries to obtain one, at most once per readyCheckEvery (later probes get
// the last attempt's answer), so probes cannot drive exchanges.
func (g *Gateway) readiness(ctx context.Context) error {
	if g.draining.Load() {
		return nil
	}
	if p, ok := g.tokens.(credential.Peeker); ok {
		if tok, held := p.Peek(); held && (tok.Expiry.IsZero() || tok.Expiry.After(g.now())) {
			return nil
		}
	}
	g.readyMu.Lock()
	defer g.readyMu.Unlock()
	now := g.now()
	if !g.readyAt.IsZero() && now.Sub(g.readyAt) < readyCheckEvery {
		return g.readyErr
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyTimeout)
	defer cancel()
	_, err := g.tokens.Token(ctx)
	g.readyAt, g.readyErr = now, err
	return err
}
