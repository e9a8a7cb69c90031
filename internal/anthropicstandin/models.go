package anthropicstandin

//lint:file-ignore SA1019 the model catalogue names deprecated and retired models on purpose

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// ModelEntry is one model of the stand-in's catalogue.
type ModelEntry struct {
	ID, DisplayName, CreatedAt string
	// Lifecycle is "active", "deprecated" or "retired", as the API says.
	// Retired models are listed only when asked for (lifecycle=retired)
	// and messages naming them are refused with 404 not_found_error.
	Lifecycle string
	RetiresAt string // RFC 3339, for deprecated and retired models
}

// Models is what GET /v1/models lists, newest first as the API orders
// them: the SDK's current model constants, plus the retired Sonnet 4.5.
// A copy: a test cannot change the catalogue another test sees.
func Models() []ModelEntry { return slices.Clone(models) }

var models = []ModelEntry{
	{anthropic.ModelClaudeFable5_2, "Claude Fable 5.2", "2026-11-18T00:00:00Z", "active", ""},
	{anthropic.ModelClaudeHaiku5_5, "Claude Haiku 5.5", "2026-10-28T00:00:00Z", "active", ""},
	{anthropic.ModelClaudeSonnet5_5, "Claude Sonnet 5.5", "2026-10-28T00:00:00Z", "active", ""},
	{anthropic.ModelClaudeOpus5_5, "Claude Opus 5.5", "2026-10-28T00:00:00Z", "active", ""},
	{anthropic.ModelClaudeFable5_1, "Claude Fable 5.1", "2026-09-15T00:00:00Z", "active", ""},
	{anthropic.ModelClaudeSonnet5, "Claude Sonnet 5", "2026-07-21T00:00:00Z", "active", ""},
	{anthropic.ModelClaudeOpus5, "Claude Opus 5", "2026-07-21T00:00:00Z", "active", ""},
	{anthropic.ModelClaudeOpus4_8, "Claude Opus 4.8", "2026-05-12T00:00:00Z", "active", ""},
	{anthropic.ModelClaudeOpus4_6, "Claude Opus 4.6", "2026-02-05T00:00:00Z", "active", ""},
	{anthropic.ModelClaudeSonnet4_6, "Claude Sonnet 4.6", "2026-02-17T00:00:00Z", "active", ""},
	{anthropic.ModelClaudeOpus4_5_20251101, "Claude Opus 4.5", "2025-11-01T00:00:00Z", "deprecated", "2027-01-22T00:00:00Z"},
	{anthropic.ModelClaudeHaiku4_5_20251001, "Claude Haiku 4.5", "2025-10-01T00:00:00Z", "active", ""},
	{anthropic.ModelClaudeSonnet4_5_20250929, "Claude Sonnet 4.5", "2025-09-29T00:00:00Z", "retired", "2026-11-30T00:00:00Z"},
}

// modelByName finds a catalogue entry by id or by alias (the id without
// its -YYYYMMDD date), as GET /v1/models/{id} resolves aliases.
func modelByName(name string) (ModelEntry, bool) {
	for _, m := range models {
		if m.ID == name || aliasOf(m.ID) == name {
			return m, true
		}
	}
	return ModelEntry{}, false
}

func aliasOf(id string) string {
	i := strings.LastIndexByte(id, '-')
	if i < 0 || len(id)-i-1 != 8 {
		return id
	}
	if _, err := strconv.Atoi(id[i+1:]); err != nil {
		return id
	}
	return id[:i]
}

// RefuseModel makes /v1/messages refuse model (exactly that name) as the
// API refuses a retired or unknown model: status 404 answers
// not_found_error "model: NAME"; 400 answers invalid_request_error naming
// the model. Retired catalogue models are refused with 404 anyway.
func (s *Server) RefuseModel(model string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused[model] = strconv.Itoa(status)
}

// SetModelsPageSize caps how many models one GET /v1/models page holds
// (the real API honours limit up to 1000), so tests see has_more.
func (s *Server) SetModelsPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.modelPage = n
}

// refuseModel writes the refusal for a model the stand-in does not serve.
func (s *Server) refuseModel(w http.ResponseWriter, model string) bool {
	s.mu.Lock()
	how, ok := s.refused[model]
	s.mu.Unlock()
	if m, found := modelByName(model); !ok && found && m.Lifecycle == "retired" {
		how, ok = "404", true
	}
	switch {
	case !ok:
		return false
	case how == "400":
		writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("model: %s is not supported for this request", model))
	default:
		writeError(w, http.StatusNotFound, "not_found_error", "model: "+model)
	}
	return true
}

func modelJSON(m ModelEntry) map[string]any {
	out := map[string]any{"type": "model", "id": m.ID, "display_name": m.DisplayName, "created_at": m.CreatedAt,
		"lifecycle": m.Lifecycle, "deprecated_at": nil, "retires_at": nil}
	if m.RetiresAt != "" {
		out["retires_at"] = m.RetiresAt
		out["deprecated_at"] = m.CreatedAt
	}
	return out
}

// serveModels lists the catalogue with the API's cursor pagination:
// limit (1–1000, default 20), after_id / before_id, and has_more,
// first_id, last_id in the answer.
func (s *Server) serveModels(w http.ResponseWriter, r *http.Request) {
	if !s.checkAPI(w, r) {
		return
	}
	q := r.URL.Query()
	limit := 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "limit: Input should be between 1 and 1000")
			return
		}
		limit = n
	}
	s.mu.Lock()
	if s.modelPage > 0 {
		limit = min(limit, s.modelPage)
	}
	s.mu.Unlock()
	// The SDK sends an array as lifecycle[]=a&lifecycle[]=b; accept the
	// plain and comma forms too.
	var lifecycles []string
	for _, v := range append(q["lifecycle"], q["lifecycle[]"]...) {
		lifecycles = append(lifecycles, strings.Split(v, ",")...)
	}
	if len(lifecycles) == 0 {
		lifecycles = []string{"active", "deprecated"}
	}
	list := slices.DeleteFunc(slices.Clone(models), func(m ModelEntry) bool { return !slices.Contains(lifecycles, m.Lifecycle) })
	// The cursors, in this order: before_id's page ends where it says and
	// starts limit models earlier (not before after_id's).
	start, end := 0, len(list)
	for _, c := range []struct {
		param string
		at    func(i int)
	}{
		{"after_id", func(i int) { start = i + 1 }},
		{"before_id", func(i int) { end = i; start = max(start, end-limit) }},
	} {
		id := q.Get(c.param)
		if id == "" {
			continue
		}
		i := slices.IndexFunc(list, func(m ModelEntry) bool { return m.ID == id })
		if i < 0 {
			writeError(w, http.StatusBadRequest, "invalid_request_error", c.param+": unknown model "+id)
			return
		}
		c.at(i)
	}
	page := list[start:min(end, start+limit)]
	data := []map[string]any{}
	for _, m := range page {
		data = append(data, modelJSON(m))
	}
	hasMore := start+len(page) < end
	if q.Get("before_id") != "" {
		hasMore = start > 0 // walking back: more before this page
	}
	body := map[string]any{"data": data, "has_more": hasMore, "first_id": nil, "last_id": nil}
	if len(page) > 0 {
		body["first_id"], body["last_id"] = page[0].ID, page[len(page)-1].ID
	}
	writeResult(w, r, body)
}

func (s *Server) serveModel(w http.ResponseWriter, r *http.Request) {
	if !s.checkAPI(w, r) {
		return
	}
	name := r.PathValue("id")
	if m, ok := modelByName(name); ok && m.Lifecycle != "retired" && !s.isRefused(name) {
		writeResult(w, r, modelJSON(m))
		return
	}
	writeError(w, http.StatusNotFound, "not_found_error", "model: "+name)
}

func (s *Server) isRefused(model string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.refused[model]
	return ok
}
