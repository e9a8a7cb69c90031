package cmdutil

import (
	"encoding/json"
	"io"
)

// WriteJSON prints v as the indented JSON every `--json` / `--format json`
// output uses (docs/JSON.md), so they all look alike.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
