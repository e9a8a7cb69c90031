package credential

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"
)

// Resolver is the one place that decides which credential hermes uses.
// Every path (chat, gateway, exec, cron, sub-agents) calls Resolve.
type Resolver struct {
	Home       string              // HERMES_HOME
	Getenv     func(string) string // environment lookup
	Stderr     io.Writer           // where shadowed sources are named
	BaseURL    string              // --base-url
	Credential string              // --credential TARGET
	Now        func() time.Time
	UserAgent  string
	Logger     *slog.Logger
}

// Resolve returns the runtime for the winning credential source.
func (r *Resolver) Resolve(ctx context.Context) (*Runtime, error) {
	return nil, errors.New("credential resolution is not built yet")
}
