package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/hermes-agent/hermes/internal/agent/tools"
)

// maxToolName is the API's limit on a tool's name.
const maxToolName = 128

// ToolName is the name the model sees for a server's tool:
// mcp__SERVER__TOOL (Claude Code's naming), characters the API does not
// take replaced by _.
func ToolName(server, tool string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '_'
		}, s)
	}
	return "mcp__" + clean(server) + "__" + clean(tool)
}

// tool is one server tool as a tools.Tool.
type tool struct {
	srv  *server
	name string // mcp__SERVER__TOOL
	orig string // the server's name for it
	desc string
	sch  anthropic.ToolInputSchemaParam
	kind tools.Kind
}

func newTool(s *server, t *sdk.Tool) (*tool, bool) {
	name := ToolName(s.cfg.Name, t.Name)
	if len(name) > maxToolName || t.Name == "" {
		return nil, false
	}
	kind := tools.Other
	if s.cfg.TrustReadOnlyHints && t.Annotations != nil && t.Annotations.ReadOnlyHint {
		kind = tools.Read
	}
	return &tool{srv: s, name: name, orig: t.Name, desc: t.Description, sch: schema(t.InputSchema), kind: kind}, true
}

// schema is the server's input schema as the API takes it.
func schema(in any) anthropic.ToolInputSchemaParam {
	var m map[string]any
	if data, err := json.Marshal(in); err == nil {
		json.Unmarshal(data, &m)
	}
	out := anthropic.ToolInputSchemaParam{}
	if p, ok := m["properties"]; ok {
		out.Properties = p
	}
	if r, ok := m["required"].([]any); ok {
		for _, x := range r {
			if s, ok := x.(string); ok {
				out.Required = append(out.Required, s)
			}
		}
	}
	extra := map[string]any{}
	for k, v := range m {
		switch k {
		case "properties", "required", "type", "$schema":
		default:
			extra[k] = v
		}
	}
	if len(extra) > 0 {
		out.ExtraFields = extra
	}
	return out
}

func (t *tool) Name() string     { return t.name }
func (t *tool) Kind() tools.Kind { return t.kind }
func (t *tool) Definition() anthropic.ToolUnionParam {
	d := anthropic.ToolUnionParamOfTool(t.sch, t.name)
	desc := t.desc
	if desc == "" {
		desc = "Tool " + t.orig + " of the MCP server " + t.srv.cfg.Name + "."
	}
	d.OfTool.Description = anthropic.String(desc)
	return d
}

// Summary is the arguments, compact.
func (t *tool) Summary(input json.RawMessage) string { return string(input) }

// Run calls the tool on its server, bounded by the per-call timeout. A
// server's error, a crash or a timeout is the tool's error for the
// model to read: never the end of the run.
func (t *tool) Run(ctx context.Context, _ *tools.Env, c tools.Call) (tools.Result, error) {
	t.srv.mu.Lock()
	cs := t.srv.session
	t.srv.mu.Unlock()
	if cs == nil {
		return tools.Errorf("MCP server %s is not running", t.srv.cfg.Name), nil
	}
	cctx, cancel := context.WithTimeout(ctx, t.srv.m.opts.ToolTimeout)
	defer cancel()
	var args any = map[string]any{}
	if len(c.Input) > 0 && string(c.Input) != "null" {
		args = c.Input
	}
	res, err := cs.CallTool(cctx, &sdk.CallToolParams{Name: t.orig, Arguments: args})
	if err != nil {
		if ctx.Err() != nil {
			return tools.Result{}, ctx.Err()
		}
		if errors.Is(cctx.Err(), context.DeadlineExceeded) {
			return tools.Errorf("MCP server %s did not answer %s within %v (set %s to wait longer)", t.srv.cfg.Name, t.orig, t.srv.m.opts.ToolTimeout, ToolTimeoutEnv), nil
		}
		return tools.Errorf("MCP server %s: %s failed: %v", t.srv.cfg.Name, t.orig, t.srv.explain(err)), nil
	}
	return convert(res), nil
}

// convert is a tool result for the model: text as text, images as image
// blocks, resources as text (binary ones named, not inlined).
func convert(res *sdk.CallToolResult) tools.Result {
	var out tools.Result
	var text []string
	for _, c := range res.Content {
		switch c := c.(type) {
		case *sdk.TextContent:
			text = append(text, c.Text)
		case *sdk.ImageContent:
			switch c.MIMEType {
			case "image/png", "image/jpeg", "image/gif", "image/webp":
				out.Images = append(out.Images, tools.Image{MediaType: c.MIMEType, Data: c.Data})
			default:
				text = append(text, fmt.Sprintf("[image of type %s, not shown]", c.MIMEType))
			}
		case *sdk.EmbeddedResource:
			if r := c.Resource; r != nil {
				if r.Text != "" {
					text = append(text, fmt.Sprintf("[resource %s]\n%s", r.URI, r.Text))
				} else {
					text = append(text, fmt.Sprintf("[resource %s: %d bytes of %s]", r.URI, len(r.Blob), r.MIMEType))
				}
			}
		case *sdk.ResourceLink:
			text = append(text, fmt.Sprintf("[resource link %s %s]", c.URI, c.Name))
		case *sdk.AudioContent:
			text = append(text, fmt.Sprintf("[audio of type %s, not shown]", c.MIMEType))
		}
	}
	if len(text) == 0 && res.StructuredContent != nil {
		if data, err := json.Marshal(res.StructuredContent); err == nil {
			text = append(text, string(data))
		}
	}
	out.Content = strings.Join(text, "\n")
	out.IsError = res.IsError
	return out
}
