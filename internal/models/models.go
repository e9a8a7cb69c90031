// Package models knows which Claude model hermes uses: the default (an SDK
// constant, so a dependency update moves it), the models the API offers to
// a credential (GET /v1/models), the known retirements from the SDK's
// deprecation notes, and the error for a model the API refuses.
package models

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/apiclient"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/secret"
)

// DefaultModel is the model hermes uses when neither -m nor HERMES_MODEL
// names one. It is the SDK's constant, never a literal: updating
// anthropic-sdk-go moves it.
const DefaultModel = anthropic.ModelClaudeSonnet5_5

// Default is DefaultModel.
func Default() string { return DefaultModel }

// Pick is the model a run uses: the first non-empty of the candidates (for
// example -m, then HERMES_MODEL), else Default.
func Pick(candidates ...string) string {
	for _, c := range candidates {
		if c = strings.TrimSpace(c); c != "" {
			return c
		}
	}
	return DefaultModel
}

// Info is one model the API offers.
type Info struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"display_name"`
	Created     time.Time `json:"created_at"`
	// Default is true for the model hermes uses without -m.
	Default bool `json:"default"`
	// Lifecycle is the API's "active", "deprecated" or "retired" ("" when
	// the API did not say); RetiresAt its scheduled retirement, if any.
	Lifecycle string     `json:"lifecycle,omitempty"`
	RetiresAt *time.Time `json:"retires_at,omitempty"`
}

// pageSize is how many models one GET /v1/models asks for (the API allows
// 1 to 1000); List follows has_more until the last page.
const pageSize = 100

// maxPages bounds a list from a server that never stops saying has_more.
const maxPages = 100

// List returns every model the API offers to rt's credential (all pages,
// newest first as the API orders them). The one hermes uses by default is
// marked; defaultModel "" means DefaultModel.
func List(ctx context.Context, rt *credential.Runtime, defaultModel ...string) ([]Info, error) {
	def := Pick(defaultModel...)
	client := apiclient.NewSmallCall(rt)
	params := anthropic.ModelListParams{Limit: anthropic.Int(pageSize)}
	var out []Info
	for range maxPages {
		page, err := client.Models.List(ctx, params)
		if err != nil {
			return nil, listError(ctx, "GET /v1/models", err)
		}
		for _, m := range page.Data {
			info := Info{ID: m.ID, DisplayName: m.DisplayName, Created: m.CreatedAt, Default: Matches(m.ID, def), Lifecycle: string(m.Lifecycle)}
			if !m.RetiresAt.IsZero() {
				t := m.RetiresAt
				info.RetiresAt = &t
			}
			out = append(out, info)
		}
		if !page.HasMore || page.LastID == "" || len(page.Data) == 0 {
			return out, nil
		}
		params.AfterID = anthropic.String(page.LastID)
	}
	return nil, fmt.Errorf("GET /v1/models: still more pages after %d; the server keeps saying has_more", maxPages)
}

// IDs is List reduced to the model ids, for pickers and shell completion.
func IDs(ctx context.Context, rt *credential.Runtime) ([]string, error) {
	list, err := List(ctx, rt)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(list))
	for i, m := range list {
		ids[i] = m.ID
	}
	return ids, nil
}

// dated matches a dated model id's suffix ("-20250929").
var dated = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^-\d{8}$`) })

// Matches reports whether the listed model id is name or its dated
// snapshot (claude-haiku-4-5-20251001 matches claude-haiku-4-5).
func Matches(id, name string) bool {
	if id == name {
		return true
	}
	rest, ok := strings.CutPrefix(id, name)
	return ok && dated().MatchString(rest)
}

// ListError is a failed GET /v1/models (or /v1/models/{id}).
type ListError struct {
	Request    string // "GET /v1/models"
	StatusCode int
	Message    string
	RequestID  string
}

func (e *ListError) Error() string {
	msg := fmt.Sprintf("%s: the Anthropic API answered %d %s", e.Request, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RequestID != "" {
		msg += " [request-id " + e.RequestID + "]"
	}
	return msg
}

// ExitCode is 4 when the credential was refused (see cmdutil.ExitCode).
func (e *ListError) ExitCode() int {
	if e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden {
		return 4
	}
	return 1
}

func listError(ctx context.Context, request string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ae *anthropic.Error
	if errors.As(err, &ae) {
		return &ListError{Request: request, StatusCode: ae.StatusCode, Message: secret.Outside(ae.Message), RequestID: ae.RequestID}
	}
	// A bound hit is said with the request; errors from the credential
	// layer carry their own exit code and text.
	return apiclient.SmallCallError(ctx, request, err)
}

// Check asks the API about one model (GET /v1/models/{name}, which also
// resolves an alias) and returns it. A model the API does not offer is an
// *UnavailableError; other failures are returned as they are, so a caller
// can tell "refused" from "could not ask".
func Check(ctx context.Context, rt *credential.Runtime, name string) (Info, error) {
	client := apiclient.NewSmallCall(rt)
	m, err := client.Models.Get(ctx, name, anthropic.ModelGetParams{})
	if err != nil {
		var ae *anthropic.Error
		if errors.As(err, &ae) && Refuses(ae.StatusCode, string(ae.Type()), ae.Message, name) {
			return Info{}, &UnavailableError{Model: name, Err: listError(ctx, "GET /v1/models/"+name, err)}
		}
		return Info{}, listError(ctx, "GET /v1/models/"+name, err)
	}
	return Info{ID: m.ID, DisplayName: m.DisplayName, Created: m.CreatedAt, Lifecycle: string(m.Lifecycle)}, nil
}
