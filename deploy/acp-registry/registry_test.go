// Package acpregistry holds hermes's entry for the ACP registry and checks
// it against the registry's vendored JSON schema (see README.md).
package acpregistry

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// validate checks v against schema, supporting the draft-07 keywords the
// registry's schema uses: type, required, properties, additionalProperties
// (false or a schema), minProperties, propertyNames.enum, items, pattern,
// minLength, format uri and $ref to #/definitions. A keyword it does not
// know is an error, so a schema update cannot pass unchecked.
func validate(root, schema map[string]any, v any, at string) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if ref, ok := schema["$ref"].(string); ok {
		name, ok := strings.CutPrefix(ref, "#/definitions/")
		def, _ := root["definitions"].(map[string]any)[name].(map[string]any)
		if !ok || def == nil {
			return []string{at + ": unresolvable $ref " + ref}
		}
		return validate(root, def, v, at)
	}
	for k := range schema {
		switch k {
		case "$schema", "$id", "title", "description", "definitions", "type", "required", "properties",
			"additionalProperties", "minProperties", "propertyNames", "items", "pattern", "minLength", "format", "enum":
		default:
			fail("schema keyword %q is not supported by this validator", k)
		}
	}
	switch schema["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			fail("want an object")
			return errs
		}
		required, _ := schema["required"].([]any)
		for _, r := range required {
			if _, ok := obj[r.(string)]; !ok {
				fail("missing required %q", r)
			}
		}
		if n, ok := schema["minProperties"].(float64); ok && len(obj) < int(n) {
			fail("want at least %v properties", n)
		}
		props, _ := schema["properties"].(map[string]any)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if pn, ok := schema["propertyNames"].(map[string]any); ok {
				if !slices.Contains(pn["enum"].([]any), any(k)) {
					fail("property name %q is not allowed", k)
				}
			}
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, validate(root, ps, obj[k], at+"."+k)...)
				continue
			}
			switch ap := schema["additionalProperties"].(type) {
			case bool:
				if !ap {
					fail("unknown property %q", k)
				}
			case map[string]any:
				errs = append(errs, validate(root, ap, obj[k], at+"."+k)...)
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			fail("want an array")
			return errs
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, e := range arr {
				errs = append(errs, validate(root, items, e, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			fail("want a string")
			return errs
		}
		if n, ok := schema["minLength"].(float64); ok && len(s) < int(n) {
			fail("shorter than %v", n)
		}
		if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(s) {
			fail("%q does not match %s", s, p)
		}
		if schema["format"] == "uri" {
			if u, err := url.Parse(s); err != nil || !u.IsAbs() {
				fail("%q is not an absolute URI", s)
			}
		}
	case nil:
	default:
		fail("schema type %v is not supported by this validator", schema["type"])
	}
	return errs
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func TestManifestValidatesAgainstTheRegistrySchema(t *testing.T) {
	schema := readJSON(t, "agent.schema.json")
	m := readJSON(t, "hermes/agent.json")
	if errs := validate(schema, schema, m, "agent.json"); len(errs) > 0 {
		t.Fatalf("hermes/agent.json does not validate:\n%s", strings.Join(errs, "\n"))
	}
	// The registry's own rules beyond the schema: the directory is the id,
	// an icon.svg in currentColor sits beside the entry.
	if m["id"] != "hermes" {
		t.Errorf("id %v, want the directory name hermes", m["id"])
	}
	icon, err := os.ReadFile("hermes/icon.svg")
	if err != nil || !strings.Contains(string(icon), `fill="currentColor"`) || regexp.MustCompile(`fill="#`).Match(icon) {
		t.Errorf("hermes/icon.svg must exist and use currentColor only: %v", err)
	}
	// Every archive follows the release pattern for the entry's version
	// and runs the ACP agent.
	version := m["version"].(string)
	osArch := map[string]string{"darwin-aarch64": "darwin_arm64", "darwin-x86_64": "darwin_amd64", "linux-aarch64": "linux_arm64",
		"linux-x86_64": "linux_amd64", "windows-aarch64": "windows_arm64", "windows-x86_64": "windows_amd64"}
	binary := m["distribution"].(map[string]any)["binary"].(map[string]any)
	if len(binary) < 4 {
		t.Errorf("only %d platforms", len(binary))
	}
	for plat, v := range binary {
		target := v.(map[string]any)
		ext := "tar.gz"
		if strings.HasPrefix(plat, "windows") {
			ext = "zip"
		}
		want := "https://github.com/hermes-agent/hermes/releases/download/v" + version + "/hermes_" + version + "_" + osArch[plat] + "." + ext
		if target["archive"] != want {
			t.Errorf("%s: archive %v, want %s", plat, target["archive"], want)
		}
		if args, _ := json.Marshal(target["args"]); string(args) != `["acp"]` {
			t.Errorf("%s: args %s, want [\"acp\"]", plat, args)
		}
	}
}

// The validator refuses what the schema forbids: a test of the test.
func TestValidatorRefusesBrokenManifests(t *testing.T) {
	schema := readJSON(t, "agent.schema.json")
	for name, edit := range map[string]func(m map[string]any){
		"no id":           func(m map[string]any) { delete(m, "id") },
		"uppercase id":    func(m map[string]any) { m["id"] = "Hermes" },
		"bad version":     func(m map[string]any) { m["version"] = "v1" },
		"unknown distrib": func(m map[string]any) { m["distribution"].(map[string]any)["go"] = map[string]any{"package": "x"} },
		"unknown platform": func(m map[string]any) {
			m["distribution"].(map[string]any)["binary"].(map[string]any)["plan9-x86_64"] = map[string]any{"archive": "https://x/y", "cmd": "./hermes"}
		},
		"relative archive": func(m map[string]any) {
			m["distribution"].(map[string]any)["binary"].(map[string]any)["linux-x86_64"].(map[string]any)["archive"] = "hermes.tar.gz"
		},
		"empty distribution": func(m map[string]any) { m["distribution"] = map[string]any{} },
		"unknown target key": func(m map[string]any) {
			m["distribution"].(map[string]any)["binary"].(map[string]any)["linux-x86_64"].(map[string]any)["sha1"] = "x"
		},
		"authors not strings": func(m map[string]any) { m["authors"] = []any{1.0} },
	} {
		m := readJSON(t, "hermes/agent.json")
		edit(m)
		if errs := validate(schema, schema, m, "agent.json"); len(errs) == 0 {
			t.Errorf("%s: validated", name)
		}
	}
}
