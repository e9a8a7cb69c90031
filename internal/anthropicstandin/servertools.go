package anthropicstandin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Server tools the stand-in knows, by their declared type.
var serverToolTypes = map[string]string{
	"web_search_20250305": "web_search",
	"web_fetch_20250910":  "web_fetch",
}

// checkServerTools validates the request's typed tool declarations as
// the API does: a known type under its own name, web_fetch only with its
// beta, never both allowed_domains and blocked_domains.
func checkServerTools(r *http.Request, req *MessagesRequest) string {
	var raw struct {
		Tools []map[string]json.RawMessage `json:"tools"`
	}
	if json.Unmarshal(req.Raw, &raw) != nil {
		return ""
	}
	for i, t := range req.Tools {
		if t.Type == "" || t.Type == "custom" {
			continue
		}
		name, ok := serverToolTypes[t.Type]
		if !ok {
			return fmt.Sprintf("tools.%d: unknown tool type %q", i, t.Type)
		}
		if t.Name != name {
			return fmt.Sprintf("tools.%d: a %s tool must be named %q", i, t.Type, name)
		}
		if name == "web_fetch" && !betaHas(r, WebFetchBeta) {
			return fmt.Sprintf("tools.%d: %s needs the anthropic-beta %s", i, t.Type, WebFetchBeta)
		}
		if _, a := raw.Tools[i]["allowed_domains"]; a {
			if _, b := raw.Tools[i]["blocked_domains"]; b {
				return fmt.Sprintf("tools.%d: allowed_domains and blocked_domains cannot be used together", i)
			}
		}
	}
	return ""
}

// declaredServerTool reports whether req declared the server tool name.
func declaredServerTool(req *MessagesRequest, name string) bool {
	for _, t := range req.Tools {
		if serverToolTypes[t.Type] == name {
			return true
		}
	}
	return false
}

// serverBlocks renders scripted server tool calls as the API streams
// them: server_tool_use, then its result block.
func serverBlocks(req *MessagesRequest, uses []ServerToolUse) []block {
	var out []block
	for _, u := range uses {
		if !declaredServerTool(req, u.Name) {
			continue
		}
		id := "srvtoolu_" + randomString(24)
		input := []byte("{}")
		if u.Input != nil {
			if b, err := json.Marshal(u.Input); err == nil {
				input = b
			}
		}
		out = append(out, block{typ: "server_tool_use", id: id, name: u.Name, inputJSON: string(input)})
		out = append(out, block{typ: u.Name + "_tool_result", raw: serverResult(id, u)})
	}
	return out
}

func serverResult(id string, u ServerToolUse) map[string]any {
	typ := u.Name + "_tool_result"
	if u.ErrorCode != "" {
		return map[string]any{"type": typ, "tool_use_id": id,
			"content": map[string]any{"type": u.Name + "_tool_result_error", "error_code": u.ErrorCode}}
	}
	if u.Name == "web_fetch" {
		page := WebResult{}
		if len(u.Results) > 0 {
			page = u.Results[0]
		}
		return map[string]any{"type": typ, "tool_use_id": id, "content": map[string]any{
			"type": "web_fetch_result", "url": page.URL, "retrieved_at": "2026-01-01T00:00:00Z",
			"content": map[string]any{"type": "document", "title": page.Title,
				"source": map[string]any{"type": "text", "media_type": "text/plain", "data": page.Text}},
		}}
	}
	results := []map[string]any{}
	for _, p := range u.Results {
		results = append(results, map[string]any{"type": "web_search_result", "title": p.Title, "url": p.URL,
			"encrypted_content": "enc_" + strings.ReplaceAll(p.URL, "/", "_"), "page_age": nil})
	}
	return map[string]any{"type": typ, "tool_use_id": id, "content": results}
}
