package cron

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// KubeOptions shape the CronJob manifests Kubernetes export writes.
type KubeOptions struct {
	Image          string // container image (hermes as entrypoint)
	Namespace      string // "" leaves it to kubectl -n / kustomize
	ServiceAccount string // the pod's service account (its projected token is the WIF identity)
	ConfigMap      string // holds ANTHROPIC_FEDERATION_RULE_ID, ANTHROPIC_ORGANIZATION_ID, …
	Audience       string // the projected token's audience
	// BotSecret holds the platform tokens a --deliver job posts with
	// (TELEGRAM_BOT_TOKEN, SLACK_BOT_TOKEN): deploy/kubernetes/bot's.
	BotSecret string
}

// Defaults for KubeOptions; they match deploy/kubernetes/cronjob.
const (
	DefaultKubeImage          = "ghcr.io/hermes-agent/hermes:latest"
	DefaultKubeServiceAccount = "hermes"
	DefaultKubeConfigMap      = "hermes-wif"
	DefaultKubeAudience       = "https://api.anthropic.com"
	DefaultKubeBotSecret      = "hermes-bot"
	kubeTokenDir              = "/var/run/secrets/anthropic"
	kubeUID                   = 65532
)

// chatFlags turns a job's fields into `hermes chat` flags. A new job field
// that chat understands is one line here (empty values are left out). The
// permission rules are passed one flag per stored entry, as `cron add` took
// them, so the container resolves exactly the rules the daemon would; with
// no terminal in the pod nobody is asked, as in a daemon run.
var chatFlags = []struct {
	flag   string
	values func(Job) []string
}{
	{"--model", func(j Job) []string { return []string{j.Model} }},
	{"--system", func(j Job) []string { return []string{j.System} }},
	// A job's tools are opt-in (the daemon offers none without --tools)
	// while chat offers every built-in tool by default: a job with none
	// must say so, or the pod would run it with bash and the file tools.
	{"--tools", func(j Job) []string {
		if len(j.Tools) == 0 {
			return []string{"none"}
		}
		return []string{strings.Join(j.Tools, ",")}
	}},
	{"--permission-mode", func(j Job) []string { return []string{j.PermissionMode} }},
	{"--allowed-tools", func(j Job) []string { return j.AllowedTools }},
	{"--disallowed-tools", func(j Job) []string { return j.DisallowedTools }},
	{"--sandbox", func(j Job) []string { return []string{j.Sandbox} }},
	{"--deliver", func(j Job) []string { return []string{j.Deliver} }},
	{"--sandbox-network", func(j Job) []string {
		if j.SandboxNetwork == nil {
			return nil
		}
		return []string{strconv.FormatBool(*j.SandboxNetwork)}
	}},
	// Inline JSON by the time it is exported (the host's files are not in
	// the pod).
	{"--mcp-config", func(j Job) []string { return j.MCPConfig }},
	{"--strict-mcp-config", func(j Job) []string {
		if !j.StrictMCPConfig {
			return nil
		}
		return []string{"true"}
	}},
}

// ChatArgs are the container args that run job once: `hermes chat -q PROMPT …`.
func ChatArgs(j Job) []string {
	args := []string{"chat", "-q", j.Prompt}
	for _, f := range chatFlags {
		for _, v := range f.values(j) {
			if v != "" {
				args = append(args, f.flag+"="+v)
			}
		}
	}
	return args
}

// KubeSchedule converts a hermes schedule into a CronJob schedule and time
// zone: a CRON_TZ=/TZ= prefix becomes spec.timeZone (Kubernetes rejects it
// inside the schedule), and "@every D" becomes a step expression when D
// divides an hour or a day evenly.
func KubeSchedule(spec string) (schedule, timeZone string, err error) {
	spec = strings.TrimSpace(spec)
	for _, p := range []string{"CRON_TZ=", "TZ="} {
		if rest, ok := strings.CutPrefix(spec, p); ok {
			timeZone, spec, _ = strings.Cut(rest, " ")
			spec = strings.TrimSpace(spec)
			if _, err := time.LoadLocation(timeZone); err != nil {
				return "", "", fmt.Errorf("unknown time zone %q", timeZone)
			}
		}
	}
	d, ok := strings.CutPrefix(spec, "@every ")
	if !ok {
		return spec, timeZone, nil
	}
	every, err := time.ParseDuration(strings.TrimSpace(d))
	if err != nil {
		return "", "", fmt.Errorf("invalid @every duration %q", d)
	}
	if every <= 0 {
		return "", "", fmt.Errorf("invalid @every duration %q", d)
	}
	if expr, ok := cronEvery(every); ok {
		return expr, timeZone, nil
	}
	near, nearEvery := nearestCronEvery(every)
	return "", "", &KubeScheduleError{Every: every, Nearest: near, NearestEvery: nearEvery}
}

// KubeScheduleError: an "@every D" schedule no cron expression matches
// (a CronJob needs one), with the nearest expression that runs at a
// regular interval, which is not equivalent.
type KubeScheduleError struct {
	Every        time.Duration
	Nearest      string
	NearestEvery time.Duration
}

func (e *KubeScheduleError) Error() string {
	return fmt.Sprintf("@every %s has no cron equivalent (a Kubernetes CronJob needs a cron expression, and none runs every %s); the nearest is %q, every %s, which is not equivalent",
		shortDuration(e.Every), shortDuration(e.Every), e.Nearest, shortDuration(e.NearestEvery))
}

// shortDuration drops time.Duration's trailing zero units: 45m, 1h30m, 2h.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// cronEvery is the cron expression that runs exactly every d: d divides
// an hour or a day evenly, or is a day or a week.
func cronEvery(d time.Duration) (string, bool) {
	switch {
	case d == time.Minute:
		return "* * * * *", true
	case d%time.Minute == 0 && d < time.Hour && time.Hour%d == 0:
		return fmt.Sprintf("*/%d * * * *", d/time.Minute), true
	case d == time.Hour:
		return "0 * * * *", true
	case d%time.Hour == 0 && d < 24*time.Hour && (24*time.Hour)%d == 0:
		return fmt.Sprintf("0 */%d * * *", d/time.Hour), true
	case d == 24*time.Hour:
		return "0 0 * * *", true
	case d == 7*24*time.Hour:
		return "0 0 * * 0", true
	}
	return "", false
}

// nearestCronEvery is the exact cron period closest to d (by ratio) and
// its expression.
func nearestCronEvery(d time.Duration) (string, time.Duration) {
	var periods []time.Duration
	for _, m := range []int{1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60} {
		periods = append(periods, time.Duration(m)*time.Minute)
	}
	for _, h := range []int{2, 3, 4, 6, 8, 12, 24, 168} {
		periods = append(periods, time.Duration(h)*time.Hour)
	}
	ratio := func(p time.Duration) float64 { return math.Abs(math.Log(float64(p) / float64(d))) }
	best := periods[0]
	for _, p := range periods[1:] {
		if ratio(p) < ratio(best) {
			best = p
		}
	}
	expr, _ := cronEvery(best)
	return expr, best
}

// BashWithoutShell is a warning when job j offers the bash tool but the
// image is hermes's own, built FROM scratch (Containerfile): it has no
// shell, so every bash call in the pod would fail. "" otherwise.
func BashWithoutShell(j Job, image string) string {
	if !slices.Contains(j.Tools, "bash") {
		return ""
	}
	if image == "" {
		image = DefaultKubeImage
	}
	if repo, _, _ := strings.Cut(image, ":"); repo != strings.Split(DefaultKubeImage, ":")[0] {
		return ""
	}
	return fmt.Sprintf("job %q uses the bash tool, but image %s is built FROM scratch (Containerfile) and has no shell, so its bash calls will fail in the pod; build an image with bash (the static hermes binary on a base that has it, e.g. FROM debian:stable-slim) and pass it with --image", j.Name, image)
}

// KubeName is the CronJob name for a job: a DNS label, lowercase, at most
// 52 characters (Kubernetes appends 11 for the Jobs it creates).
func KubeName(job string) string {
	n := strings.ToLower(strings.NewReplacer(".", "-", "_", "-").Replace(job))
	n = "hermes-" + n
	if len(n) > 52 {
		n = n[:52]
	}
	return strings.TrimRight(n, "-")
}

// SkippedJob is a job WriteKubernetes could not export, and why.
type SkippedJob struct {
	Name string
	Err  error
}

// WriteKubernetes writes one CronJob manifest per job, as YAML documents,
// for every job that can be exported; the others are returned (a
// schedule with no cron equivalent): one such job does not keep the
// others from being exported. Two jobs that would share a CronJob name
// are an error, and nothing is written.
func WriteKubernetes(w io.Writer, jobs []Job, o KubeOptions) ([]SkippedJob, error) {
	seen := map[string]string{}
	var docs []string
	var skipped []SkippedJob
	for _, j := range jobs {
		name := KubeName(j.Name)
		if other, dup := seen[name]; dup {
			return nil, fmt.Errorf("jobs %q and %q would both be CronJob %q; rename one", other, j.Name, name)
		}
		seen[name] = j.Name
		doc, err := cronJobYAML(j, name, o)
		if err != nil {
			skipped = append(skipped, SkippedJob{Name: j.Name, Err: err})
			continue
		}
		docs = append(docs, doc)
	}
	_, err := io.WriteString(w, strings.Join(docs, "---\n"))
	return skipped, err
}

func cronJobYAML(j Job, name string, o KubeOptions) (string, error) {
	if o.Image == "" {
		o.Image = DefaultKubeImage
	}
	if o.ServiceAccount == "" {
		o.ServiceAccount = DefaultKubeServiceAccount
	}
	if o.ConfigMap == "" {
		o.ConfigMap = DefaultKubeConfigMap
	}
	if o.Audience == "" {
		o.Audience = DefaultKubeAudience
	}
	schedule, tz, err := KubeSchedule(j.Schedule)
	if err != nil {
		return "", err
	}
	labels := obj{
		{"app.kubernetes.io/name", "hermes"},
		{"app.kubernetes.io/component", "cronjob"},
		{"hermes.dev/job", KubeName(j.Name)[len("hermes-"):]},
	}
	meta := obj{{"name", name}}
	if o.Namespace != "" {
		meta = append(meta, kv{"namespace", o.Namespace})
	}
	meta = append(meta, kv{"labels", labels})
	spec := obj{{"schedule", schedule}}
	if tz != "" {
		spec = append(spec, kv{"timeZone", tz})
	}
	spec = append(spec,
		kv{"concurrencyPolicy", "Forbid"},
		kv{"startingDeadlineSeconds", 300},
		kv{"successfulJobsHistoryLimit", 3},
		kv{"failedJobsHistoryLimit", 3},
		kv{"suspend", j.Paused},
		kv{"jobTemplate", obj{{"spec", obj{
			{"backoffLimit", 1},
			{"activeDeadlineSeconds", 3600},
			{"template", obj{
				{"metadata", obj{{"labels", labels}}},
				{"spec", podSpec(j, o)},
			}},
		}}}},
	)
	var b strings.Builder
	fmt.Fprintf(&b, "# hermes cron job %q (exported by hermes cron export --kubernetes)\n", j.Name)
	writeYAML(&b, obj{
		{"apiVersion", "batch/v1"},
		{"kind", "CronJob"},
		{"metadata", meta},
		{"spec", spec},
	}, 0)
	return b.String(), nil
}

// podEnv is the container's environment: WIF's identity file, and for a
// job that delivers to a chat, that platform's bot token from the Secret
// (never a value in the manifest).
func podEnv(j Job, o KubeOptions) []any {
	env := []any{
		obj{{"name", "ANTHROPIC_IDENTITY_TOKEN_FILE"}, {"value", kubeTokenDir + "/token"}},
		obj{{"name", "HERMES_HOME"}, {"value", "/var/lib/hermes/home"}},
	}
	platform, _, _ := strings.Cut(j.Deliver, ":")
	name := map[string]string{"telegram": "TELEGRAM_BOT_TOKEN", "slack": "SLACK_BOT_TOKEN"}[platform]
	if name == "" {
		return env
	}
	secret := o.BotSecret
	if secret == "" {
		secret = DefaultKubeBotSecret
	}
	return append(env, obj{{"name", name}, {"valueFrom", obj{{"secretKeyRef", obj{{"name", secret}, {"key", name}}}}}})
}

func podSpec(j Job, o KubeOptions) obj {
	return obj{
		{"serviceAccountName", o.ServiceAccount},
		// hermes reads its own projected token; the API token is not needed.
		{"automountServiceAccountToken", false},
		{"restartPolicy", "Never"},
		{"securityContext", obj{
			{"runAsNonRoot", true},
			{"runAsUser", kubeUID},
			{"runAsGroup", kubeUID},
			{"fsGroup", kubeUID},
			{"seccompProfile", obj{{"type", "RuntimeDefault"}}},
		}},
		{"containers", []any{obj{
			{"name", "hermes"},
			{"image", o.Image},
			{"args", stringsAny(ChatArgs(j))},
			{"workingDir", "/work"},
			{"envFrom", []any{obj{{"configMapRef", obj{{"name", o.ConfigMap}}}}}},
			{"env", podEnv(j, o)},
			{"resources", obj{
				{"requests", obj{{"cpu", "50m"}, {"memory", "64Mi"}}},
				{"limits", obj{{"memory", "256Mi"}}},
			}},
			{"securityContext", obj{
				{"allowPrivilegeEscalation", false},
				{"readOnlyRootFilesystem", true},
				{"capabilities", obj{{"drop", []any{"ALL"}}}},
			}},
			{"volumeMounts", []any{
				obj{{"name", "anthropic-token"}, {"mountPath", kubeTokenDir}, {"readOnly", true}},
				obj{{"name", "hermes-home"}, {"mountPath", "/var/lib/hermes"}},
				obj{{"name", "work"}, {"mountPath", "/work"}},
			}},
		}}},
		{"volumes", []any{
			obj{{"name", "anthropic-token"}, {"projected", obj{{"sources", []any{obj{{"serviceAccountToken", obj{
				{"path", "token"}, {"audience", o.Audience}, {"expirationSeconds", 3600},
			}}}}}}}},
			obj{{"name", "hermes-home"}, {"emptyDir", obj{{"medium", "Memory"}}}},
			obj{{"name", "work"}, {"emptyDir", obj{}}},
		}},
	}
}

// A tiny ordered YAML writer: enough for manifests, with every string
// JSON-quoted (a JSON string is a valid YAML scalar, whatever it holds).
type kv struct {
	k string
	v any
}
type obj []kv

func stringsAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func writeYAML(b *strings.Builder, o obj, indent int) {
	pad := strings.Repeat(" ", indent)
	for _, e := range o {
		b.WriteString(pad + e.k + ":")
		writeValue(b, e.v, indent)
	}
}

func writeValue(b *strings.Builder, v any, indent int) {
	switch v := v.(type) {
	case obj:
		if len(v) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteString("\n")
		writeYAML(b, v, indent+2)
	case []any:
		if len(v) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteString("\n")
		for _, item := range v {
			pad := strings.Repeat(" ", indent+2)
			if o, ok := item.(obj); ok && len(o) > 0 {
				// "- " then the first key inline, the rest aligned under it.
				b.WriteString(pad + "- " + o[0].k + ":")
				writeValue(b, o[0].v, indent+4)
				writeYAML(b, o[1:], indent+4)
				continue
			}
			b.WriteString(pad + "-")
			writeValue(b, item, indent+2)
		}
	default:
		b.WriteString(" " + scalar(v) + "\n")
	}
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // keep "<" readable; YAML needs no HTML safety
		enc.Encode(v)
		return strings.TrimSuffix(b.String(), "\n")
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	}
	panic(fmt.Sprintf("cron: no YAML for %T", v))
}
