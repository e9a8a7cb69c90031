package agent

import (
	"encoding/json"
	"fmt"
	"strings"
)

// serverToolOf names the server tool a result block belongs to.
func serverToolOf(blockType string) string {
	if blockType == "web_fetch_tool_result" {
		return ToolWebFetch
	}
	return ToolWebSearch
}

// serverResultText is a server tool result for people: the pages found or
// fetched, one a line, or the error the API reported. The model gets the
// block itself.
func serverResultText(raw json.RawMessage) (text string, isError bool) {
	var block struct {
		Content json.RawMessage `json:"content"`
	}
	if json.Unmarshal(raw, &block) != nil {
		return "(unreadable result)", true
	}
	type item struct {
		Type      string `json:"type"`
		URL       string `json:"url"`
		Title     string `json:"title"`
		ErrorCode string `json:"error_code"`
	}
	var items []item
	if json.Unmarshal(block.Content, &items) != nil {
		var one item
		if json.Unmarshal(block.Content, &one) != nil {
			return "(unreadable result)", true
		}
		items = []item{one}
	}
	var lines []string
	for _, it := range items {
		switch {
		case it.ErrorCode != "":
			return "error: " + it.ErrorCode, true
		case it.Title != "":
			lines = append(lines, fmt.Sprintf("%s — %s", it.Title, it.URL))
		case it.URL != "":
			lines = append(lines, it.URL)
		}
	}
	if len(lines) == 0 {
		return "(no results)", false
	}
	return strings.Join(lines, "\n"), false
}
