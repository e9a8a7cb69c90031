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

// JSONAlias applies --json, an alias of --format json: given with another
// --format it is a usage error.
func JSONAlias(fl interface{ Changed(string) bool }, json bool, format *string) error {
	if !json {
		return nil
	}
	if fl.Changed("format") && *format != "json" {
		return FlagErrorf("--json is --format json: it cannot be combined with --format %s", *format)
	}
	*format = "json"
	return nil
}
