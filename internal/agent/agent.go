// Package agent is the conversation and tool loop over the Anthropic SDK:
// it streams answers, runs the opt-in tools (read-only file access and
// delegation to sub-agents) and keeps sessions on disk.
//
// Every request goes through the credential.Runtime it was built with: the
// runtime's transport asks its TokenSource per request, so an agent (or a
// tree of sub-agents) that outlives a token's lifetime keeps working and
// never changes from bearer to API-key semantics.
package agent

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"go.opentelemetry.io/otel/attribute"
	"golang.org/x/sync/errgroup"

	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/agent/tools"
	"github.com/hermes-agent/hermes/internal/apiclient"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/models"
	"github.com/hermes-agent/hermes/internal/sandbox"
	"github.com/hermes-agent/hermes/internal/secret"
	"github.com/hermes-agent/hermes/internal/telemetry"
)

// DefaultModel is used when neither -m nor HERMES_MODEL names one: the
// SDK's constant, through internal/models.
const DefaultModel = models.DefaultModel

// Defaults for the zero values of Config.
const (
	DefaultMaxTokens   = 8192
	DefaultMaxTurns    = 20
	DefaultMaxParallel = 4
	DefaultMaxDepth    = 2
)

// Config says how an Agent talks and what it may do.
type Config struct {
	Model string // default DefaultModel; a Conversation's own Model wins
	// System is the system prompt's text blocks (see package sysprompt),
	// shared by sub-agents; a Conversation's own System is sent after
	// them as one more block.
	System    []string
	MaxTokens int // per API call; default DefaultMaxTokens
	Tools     []string
	// MaxTurns bounds API calls per Send (the tool loop); default 20.
	MaxTurns int
	// MaxParallel bounds tool calls (sub-agents included) run at once per turn; default 4.
	MaxParallel int
	// MaxDepth is how many levels of sub-agents may nest below the top agent; default 2.
	MaxDepth int
	// WorkDir is the root of read_file and list_files; default the current directory.
	WorkDir string
	// Protected are credential stores the file tools refuse to read or
	// list, even inside WorkDir: directories (with everything below them)
	// and files, matched after resolving symlinks. Callers fill it with
	// the resolver's SecretPaths; the runtime's own identity-token file is
	// always added.
	Protected []string
	// ProtectedEnv names variables beyond credential.CredentialVars that
	// bash must not inherit: those the configuration reads a credential
	// from (--credential env:VAR, an identity-token variable). Callers
	// fill it with the resolver's SecretEnv.
	ProtectedEnv []string
	// Sandbox bounds what a bash command can do (--sandbox,
	// --sandbox-network); the zero value is workspace-write without
	// network. The protected paths above are hidden inside it. The file
	// tools write git's internals (.git/config, hooks/) only with
	// bypassPermissions and danger-full-access, or a rule naming them.
	Sandbox sandbox.Policy

	// PermissionMode is one of permission.Modes(); "" means ModeDefault.
	PermissionMode string
	// Allow and Deny are permission rules ("edit_file", "bash(go test:*)");
	// Deny wins over Allow and over every mode.
	Allow, Deny []string
	// Approver is asked about calls that need permission and no rule
	// decides; nil denies them.
	Approver Approver
	// Files, when set, backs the file tools' text reads and writes.
	Files TextFiles
	// MoreTools, when set, adds tools from elsewhere (MCP servers'),
	// offered beside the built-in ones under the same policy; sub-agents
	// see them too. Their Tools is called before each API call and may
	// wait for servers still starting.
	MoreTools ToolSource

	// ContextWindow overrides the model's context window in tokens (0:
	// the window the API last named, else models.ContextWindow).
	ContextWindow int64
	// CompactAt is the share of the window, in percent, a request may
	// reach before older turns are compacted; default DefaultCompactAt.
	CompactAt int
	// Budget, when set, stops a Send after the API call that takes the
	// run's cost over Budget.MaxUSD (sub-agents included).
	Budget *Budget

	bounds responseBounds // zero: the limits in bound.go; tests lower them
}

// ToolSource gives tools from outside the agent (MCP servers).
type ToolSource interface {
	Tools(ctx context.Context) []tools.Tool
}

// Agent runs conversations. It is safe for concurrent use by several
// conversations.
type Agent struct {
	client anthropic.Client
	cfg    Config
	tools  []tools.Tool
	depth  int
	// protected is cfg.Protected, absolute and symlink-resolved too.
	protected []string
	// policy decides tool calls; sub-agents share it (and so never get
	// more than their parent, and see its "don't ask again" answers).
	policy *permission.Policy
	// versions is what the agent last saw of each file (stale edits).
	versions *tools.Versions
	// windows are the context windows the API named, shared with
	// sub-agents.
	windows *windows
	// serverDefs declare the server tools the rules allow.
	serverDefs []anthropic.ToolUnionParam
	// sandboxer builds bash's sandbox; tests swap in a kernel without one.
	sandboxer *sandbox.Sandbox
	// seen is the last list of every offered tool (built-in and
	// MoreTools'), shared with sub-agents, for what runs without a
	// context (estimates, hints).
	seen *atomic.Pointer[[]tools.Tool]
}

// Result is the outcome of one Send.
type Result struct {
	Text       string `json:"text"` // the final answer's text
	Model      string `json:"model"`
	StopReason string `json:"stop_reason"`
	Usage      Usage  `json:"usage"`
	Turns      int    `json:"turns"` // API calls made by this agent
}

// TotalCostUSD is Usage's cost, nil when it is not known.
func (r *Result) TotalCostUSD() *float64 {
	if c, ok := r.Usage.Cost(); ok {
		return &c
	}
	return nil
}

// Event is something that happened while answering, in order. Sub-agents'
// events carry Depth > 0.
type Event struct {
	// Type is "message_start", "text" (a streamed text delta), "thinking"
	// (a streamed thinking delta), "tool_use", "tool_result",
	// "message_stop" or "error".
	Type     string          `json:"type"`
	Text     string          `json:"text,omitempty"`
	Thinking string          `json:"thinking,omitempty"`
	Model    string          `json:"model,omitempty"`
	ToolID   string          `json:"id,omitempty"`
	Tool     string          `json:"name,omitempty"`
	Input    json.RawMessage `json:"input,omitempty"`
	// Kind (on "tool_use") is one of the Kind constants; Path is the
	// absolute path a file tool works on, "" otherwise.
	Kind string `json:"kind,omitempty"`
	Path string `json:"path,omitempty"`
	// Output is a tool_result's content, redacted. JSON carries it as
	// "text" (Text holds the same string), the documented field.
	Output string `json:"-"`
	// Denied marks the result of a call the permission rules or the user
	// refused.
	Denied     bool   `json:"denied,omitempty"`
	IsError    bool   `json:"is_error,omitempty"`
	StopReason string `json:"stop_reason,omitempty"`
	// Usage (on "message_stop") is that API call's usage.
	Usage *Usage `json:"usage,omitempty"`
	Depth int    `json:"depth,omitempty"`
}

// ErrTurnLimit is wrapped by Send when the tool loop hits Config.MaxTurns.
var ErrTurnLimit = errors.New("tool loop limit reached")

// New builds an agent on rt. The SDK client comes from apiclient.New: no
// credential option and no environment defaults, the runtime's transport
// adds the credential to each request, so the SDK can never pick up an
// ambient key. Sub-agents share this client.
func New(rt *credential.Runtime, cfg Config) (*Agent, error) {
	if rt == nil {
		return nil, errors.New("agent: no credential runtime")
	}
	names, err := checkTools(cfg.Tools)
	if err != nil {
		return nil, err
	}
	cfg = withDefaults(cfg)
	if cfg.WorkDir == "" {
		if cfg.WorkDir, err = os.Getwd(); err != nil {
			return nil, fmt.Errorf("working directory for the file tools: %w", err)
		}
	}
	if cfg.WorkDir, err = filepath.Abs(cfg.WorkDir); err != nil {
		return nil, fmt.Errorf("working directory for the file tools: %w", err)
	}
	if cfg.Sandbox.Mode, err = sandbox.ParseMode(string(cfg.Sandbox.Mode)); err != nil {
		return nil, err
	}
	policy, err := newPolicy(cfg)
	if err != nil {
		return nil, err
	}
	serverDefs := serverToolDefs(names, policy)
	client := apiclient.New(rt, option.WithMaxRetries(2), option.WithMiddleware(cfg.bounds.middleware()))
	return &Agent{client: client, cfg: cfg, tools: builtins(offered(names, policy)), protected: tools.ProtectedPaths(append(slices.Clip(cfg.Protected), rt.IdentityTokenFile())), policy: policy, versions: &tools.Versions{}, windows: &windows{}, serverDefs: serverDefs, sandboxer: &sandbox.Sandbox{}, seen: &atomic.Pointer[[]tools.Tool]{}}, nil
}

// OfferedTools is the tools an agent on cfg offers the model: cfg.Tools
// less those plan mode or a whole-tool deny rule take off the offer.
func OfferedTools(cfg Config) ([]string, error) {
	tools, err := checkTools(cfg.Tools)
	if err != nil {
		return nil, err
	}
	policy, err := newPolicy(cfg)
	if err != nil {
		return nil, err
	}
	return offered(tools, policy), nil
}

// builtins is the built-in tools among names (server tools are declared
// apart).
func builtins(names []string) []tools.Tool {
	var out []tools.Tool
	for _, n := range names {
		if t := tools.Builtin(n); t != nil {
			out = append(out, t)
		}
	}
	return out
}

// offered is names less those plan mode or a whole-tool deny rule take
// off the offer, and the server tools no rule allows.
func offered(names []string, policy *permission.Policy) []string {
	return slices.DeleteFunc(slices.Clone(names), func(t string) bool {
		if slices.Contains(ServerTools(), t) {
			declare, _, _ := policy.ServerTool(t)
			return !declare
		}
		return !policy.Offered(t)
	})
}

func newPolicy(cfg Config) (*permission.Policy, error) {
	allow, err := permission.ParseRules(cfg.Allow)
	if err != nil {
		return nil, fmt.Errorf("allowed tools: %w", err)
	}
	deny, err := permission.ParseRules(cfg.Deny)
	if err != nil {
		return nil, fmt.Errorf("disallowed tools: %w", err)
	}
	return permission.New(cfg.PermissionMode, allow, deny)
}

func withDefaults(cfg Config) Config {
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = DefaultMaxTokens
	}
	if cfg.MaxTurns <= 0 {
		cfg.MaxTurns = DefaultMaxTurns
	}
	if cfg.MaxParallel <= 0 {
		cfg.MaxParallel = DefaultMaxParallel
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.CompactAt <= 0 || cfg.CompactAt > 100 {
		cfg.CompactAt = DefaultCompactAt
	}
	return cfg
}

// checkTools validates and de-duplicates tool names.
func checkTools(names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || slices.Contains(out, n) {
			continue
		}
		if tools.Builtin(n) == nil && !slices.Contains(ServerTools(), n) {
			return nil, fmt.Errorf("unknown tool %q: choose from %s", n, strings.Join(append(KnownTools(), ServerTools()...), ", "))
		}
		out = append(out, n)
	}
	return out, nil
}

// child is a sub-agent one level deeper: same client (so same runtime and
// token source), no delegate tool once the depth limit is reached.
func (a *Agent) child() *Agent {
	c := &Agent{client: a.client, cfg: a.cfg, depth: a.depth + 1, protected: a.protected, policy: a.policy, versions: a.versions, windows: a.windows, serverDefs: a.serverDefs, sandboxer: a.sandboxer, seen: a.seen}
	for _, t := range a.tools {
		if t.Name() == ToolDelegate && c.depth >= a.cfg.MaxDepth {
			continue
		}
		c.tools = append(c.tools, t)
	}
	return c
}

// Send adds prompt to conv, runs the model and its tool calls until a final
// answer, and appends the exchange to conv. On error conv is left as it was
// before the call, so a failed or cancelled answer never leaves a
// half-finished turn in a session. onEvent (may be nil) is called from one
// goroutine at a time.
func (a *Agent) Send(ctx context.Context, conv *Conversation, prompt string, onEvent func(Event)) (*Result, error) {
	var mu sync.Mutex
	emit := func(e Event) {
		if onEvent != nil {
			mu.Lock()
			defer mu.Unlock()
			onEvent(e)
		}
	}
	ctx, span := telemetry.StartSpan(ctx, "hermes.chat.run", attribute.String("model", cmp.Or(conv.Model, a.cfg.Model)), attribute.Int("depth", a.depth))
	if telemetry.LogPrompts() {
		span.SetAttributes(attribute.String("prompt", secret.RedactShapes(prompt)))
	}
	res, err := a.send(ctx, conv, prompt, emit)
	telemetry.End(span, err)
	if be := (*BudgetError)(nil); errors.As(err, &be) {
		// Not an "error" event: the partial result follows (stop_reason
		// "budget"), and the caller reports the stop.
		return res, err
	}
	if err != nil {
		err = refusedModel(err, cmp.Or(conv.Model, a.cfg.Model))
		emit(Event{Type: "error", Text: secret.RedactShapes(err.Error())})
	}
	return res, err
}

func (a *Agent) send(ctx context.Context, conv *Conversation, prompt string, emit func(Event)) (*Result, error) {
	model := cmp.Or(conv.Model, a.cfg.Model)
	system := SystemBlocks(a.cfg.System, conv.System)
	// A failed Send leaves conv as it was, compactions included.
	orig, origCompactions, origArchive := slices.Clone(conv.Messages), conv.Compactions, conv.Archived
	rollback := func() { conv.Messages, conv.Compactions, conv.Archived = orig, origCompactions, origArchive }
	start := len(conv.Messages)
	conv.Messages = append(conv.Messages, Message{Role: "user", Content: []Block{{Type: "text", Text: prompt}}})

	res := &Result{Model: model}
	budget := a.cfg.Budget
	if a.depth > 0 {
		budget = nil // the top agent's checks count sub-agents' cost
	}
	if err := checkBudgetModel(budget, model); err != nil {
		rollback()
		return nil, err
	}
	var spentBefore float64
	if budget != nil {
		spentBefore = budget.Spent()
		if spentBefore > budget.MaxUSD {
			rollback()
			return nil, &BudgetError{SpentUSD: spentBefore, MaxUSD: budget.MaxUSD}
		}
		defer func() {
			cost, _ := res.Usage.Cost()
			budget.charge(cost)
		}()
	}
	for turn := 1; ; turn++ {
		if turn > a.cfg.MaxTurns {
			rollback()
			return nil, fmt.Errorf("%w: stopped after %d model turns without a final answer; ask for a smaller task", ErrTurnLimit, a.cfg.MaxTurns)
		}
		msg, err := a.fittedTurn(ctx, model, system, conv, &start, res, emit)
		if err != nil {
			rollback()
			return nil, err
		}
		res.Turns = turn
		res.Model = cmp.Or(string(msg.Model), model)
		res.StopReason = string(msg.StopReason)
		res.Usage.add(requestUsage(cmp.Or(string(msg.Model), model), msg.Usage))
		am := fromAPI(msg)
		res.Text = messageText(am)
		calls := toolUses(am)
		over := overBudget(budget, spentBefore, res)
		if over == nil && msg.StopReason == anthropic.StopReasonPauseTurn {
			// A long server tool turn (web search) paused by the API:
			// sending it back lets the model go on where it stopped.
			conv.Messages = append(conv.Messages, am)
			continue
		}
		if over != nil || msg.StopReason != anthropic.StopReasonToolUse || len(calls) == 0 {
			// A tool call cut off by max_tokens can never get its result:
			// keep it out of the history, which the API would reject.
			am.Content = slices.DeleteFunc(am.Content, func(b Block) bool { return b.Type == "tool_use" })
			if len(am.Content) > 0 {
				conv.Messages = append(conv.Messages, am)
			}
			conv.Model = model
			if over != nil {
				res.StopReason = "budget"
				return res, over
			}
			return res, nil
		}
		conv.Messages = append(conv.Messages, am)
		results, usage, err := a.runTools(ctx, model, calls, emit)
		if err != nil {
			rollback()
			return nil, err
		}
		res.Usage.add(usage)
		conv.Messages = append(conv.Messages, Message{Role: "user", Content: results})
	}
}

// SystemBlocks is the system prompt a conversation is sent: the
// configured blocks, then the conversation's own text (the session's
// --append-system-prompt, a sub-agent's role), empty blocks dropped.
func SystemBlocks(cfg []string, conv string) []string {
	out := make([]string, 0, len(cfg)+1)
	for _, b := range append(slices.Clip(cfg), conv) {
		if strings.TrimSpace(b) != "" {
			out = append(out, b)
		}
	}
	return out
}

func toolUses(m Message) []Block {
	var out []Block
	for _, b := range m.Content {
		if b.Type == "tool_use" {
			out = append(out, b)
		}
	}
	return out
}

// fittedTurn makes one API call, compacting conv first when the request
// would pass CompactAt of the window, and once more, harder, when the API
// still says the prompt is too long. *start (the current turn's first
// message) moves with a compaction; the summaries' usage goes to res.
func (a *Agent) fittedTurn(ctx context.Context, model string, system []string, conv *Conversation, start *int, res *Result, emit func(Event)) (*anthropic.Message, error) {
	var lastErr error
	for attempt := 0; ; attempt++ {
		harder := attempt > 0
		n := len(conv.Messages)
		u, compacted, err := a.fitContext(ctx, model, system, conv, *start, harder, emit)
		res.Usage.add(u)
		if err != nil {
			return nil, err
		}
		if harder && !compacted {
			return nil, contextFullError(lastErr)
		}
		if compacted {
			*start -= n - len(conv.Messages)
		}
		msg, err := a.turn(ctx, model, system, conv, emit)
		window, tooLong := promptTooLong(err)
		if !tooLong {
			return msg, err
		}
		if window > 0 {
			a.windows.learn(model, window)
		}
		if harder {
			return nil, contextFullError(err)
		}
		lastErr = err
	}
}

// turn makes one streaming API call and returns the accumulated message.
func (a *Agent) turn(ctx context.Context, model string, system []string, conv *Conversation, emit func(Event)) (*anthropic.Message, error) {
	return a.turnWith(ctx, model, system, conv, false, emit)
}

// turnWith is turn; noTools declares the tools (a history with tool calls
// needs them) but lets the model use none, for summaries.
func (a *Agent) turnWith(ctx context.Context, model string, system []string, conv *Conversation, noTools bool, emit func(Event)) (*anthropic.Message, error) {
	params := anthropic.MessageNewParams{
		Model:     anthropic.Model(model),
		MaxTokens: int64(a.cfg.MaxTokens),
		Messages:  params(conv),
	}
	for _, text := range system {
		params.System = append(params.System, anthropic.TextBlockParam{Text: text})
	}
	if ts := a.allTools(ctx); len(ts) > 0 {
		params.Tools = toolDefs(ts)
		if noTools {
			params.ToolChoice = anthropic.ToolChoiceUnionParam{OfNone: &anthropic.ToolChoiceNoneParam{}}
		}
	}
	var opts []option.RequestOption
	for _, d := range a.serverDefs {
		params.Tools = append(params.Tools, d)
		if d.OfWebFetchTool20250910 != nil {
			opts = append(opts, option.WithHeaderAdd("anthropic-beta", webFetchBeta))
		}
	}
	markCacheBreakpoints(&params)
	ctx, span := telemetry.StartSpan(ctx, "hermes.model.call", attribute.String("model", model))
	msg, err := a.stream(ctx, model, params, opts, emit)
	if err == nil {
		u := requestUsage(cmp.Or(string(msg.Model), model), msg.Usage)
		telemetry.RecordUsage(ctx, cmp.Or(string(msg.Model), model), telemetry.Usage{Input: u.InputTokens, Output: u.OutputTokens,
			CacheRead: u.CacheReadInputTokens, CacheCreation: u.CacheCreationInputTokens, CostUSD: u.CostUSD})
		span.SetAttributes(attribute.Int64("input_tokens", u.InputTokens), attribute.Int64("output_tokens", u.OutputTokens),
			attribute.String("stop_reason", string(msg.StopReason)))
	}
	telemetry.End(span, err)
	return msg, err
}

// stream sends params and accumulates the streamed answer, emitting its
// events as they come.
func (a *Agent) stream(ctx context.Context, model string, params anthropic.MessageNewParams, opts []option.RequestOption, emit func(Event)) (*anthropic.Message, error) {
	stream := a.client.Messages.NewStreaming(ctx, params, opts...)
	defer stream.Close()

	var msg anthropic.Message
	stopped := false
	for stream.Next() {
		ev := stream.Current()
		if err := msg.Accumulate(ev); err != nil {
			return nil, fmt.Errorf("malformed stream from the Anthropic API: %w", err)
		}
		switch ev.Type {
		case "message_start":
			emit(Event{Type: "message_start", Model: string(ev.Message.Model), Depth: a.depth})
		case "content_block_delta":
			switch {
			case ev.Delta.Type == "text_delta" && ev.Delta.Text != "":
				emit(Event{Type: "text", Text: ev.Delta.Text, Depth: a.depth})
			case ev.Delta.Type == "thinking_delta" && ev.Delta.Thinking != "":
				emit(Event{Type: "thinking", Thinking: ev.Delta.Thinking, Depth: a.depth})
			}
		case "content_block_stop":
			i := int(ev.Index)
			if i < 0 || i >= len(msg.Content) {
				break
			}
			switch c := msg.Content[i]; c.Type {
			case "tool_use":
				kind, path := a.toolHints(c.Name, json.RawMessage(c.Input))
				emit(Event{Type: "tool_use", ToolID: c.ID, Tool: c.Name, Input: json.RawMessage(c.Input), Kind: kind, Path: path, Depth: a.depth})
			case "server_tool_use":
				// Run by the API: shown like the other tools' calls.
				emit(Event{Type: "tool_use", ToolID: c.ID, Tool: c.Name, Input: json.RawMessage(c.Input), Kind: KindSearch, Depth: a.depth})
			case "web_search_tool_result", "web_fetch_tool_result":
				text, isErr := serverResultText(json.RawMessage(c.RawJSON()))
				text = secret.RedactShapes(text)
				emit(Event{Type: "tool_result", ToolID: c.ToolUseID, Tool: serverToolOf(c.Type), Text: text, Output: text, IsError: isErr, Depth: a.depth})
			}
		case "message_stop":
			stopped = true
			u := requestUsage(cmp.Or(string(msg.Model), model), msg.Usage)
			emit(Event{Type: "message_stop", StopReason: string(msg.StopReason), Usage: &u, Depth: a.depth})
		}
	}
	if err := stream.Err(); err != nil {
		return nil, apiError(ctx, err)
	}
	if !stopped {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errors.New("the Anthropic API stream ended before the answer was complete; try again")
	}
	return &msg, nil
}

// runTools runs one turn's tool calls, at most MaxParallel at once, and
// returns their results in call order.
func (a *Agent) runTools(ctx context.Context, model string, calls []Block, emit func(Event)) ([]Block, Usage, error) {
	results := make([]toolResult, len(calls))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(a.cfg.MaxParallel)
	for i, c := range calls {
		g.Go(func() error {
			r, err := a.runTool(gctx, model, c, emit)
			if err != nil {
				return err
			}
			// Masked before anything sees it: the event, the API
			// request and the session all get the same text.
			masked := secret.RedactShapes(r.content)
			masked = cutResult(masked, c.Name)
			if masked != r.content {
				masked += maskedNote
			}
			r.content = masked
			results[i] = r
			emit(Event{Type: "tool_result", ToolID: c.ID, Tool: c.Name, Text: r.content, Output: r.content, IsError: r.isError, Denied: r.denied, Depth: a.depth})
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, Usage{}, err
	}
	var usage Usage
	blocks := make([]Block, len(calls))
	for i, r := range results {
		usage.add(r.usage)
		content := r.content
		if content == "" {
			content = "(no output)"
		}
		blocks[i] = Block{Type: "tool_result", ToolUseID: calls[i].ID, Content: content, IsError: r.isError, Images: r.images}
	}
	return blocks, usage, nil
}

// toolHints are a tool_use's Kind and, for file tools, the absolute path
// it works on (for editors that show and follow the location).
func (a *Agent) toolHints(name string, input json.RawMessage) (kind, path string) {
	t := tools.Find(a.knownTools(), name)
	if t == nil {
		return KindOther, ""
	}
	kind = string(t.Kind())
	if t.Kind() == tools.Delegate || t.Kind() == tools.Other || tools.Builtin(name) == nil {
		return kind, ""
	}
	var in struct {
		Path string `json:"path"`
	}
	if json.Unmarshal(input, &in) == nil && in.Path != "" && !filepath.IsAbs(in.Path) && filepath.IsLocal(filepath.Clean(in.Path)) {
		path = filepath.Join(a.cfg.WorkDir, in.Path)
	}
	return kind, path
}
