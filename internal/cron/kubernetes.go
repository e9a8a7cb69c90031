package cron

import (
	"encoding/json"
	"fmt"
	"io"
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
}

// Defaults for KubeOptions; they match deploy/kubernetes/cronjob.
const (
	DefaultKubeImage          = "ghcr.io/hermes-agent/hermes:latest"
	DefaultKubeServiceAccount = "hermes"
	DefaultKubeConfigMap      = "hermes-wif"
	DefaultKubeAudience       = "https://api.anthropic.com"
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
	{"--tools", func(j Job) []string { return []string{strings.Join(j.Tools, ",")} }},
	{"--permission-mode", func(j Job) []string { return []string{j.PermissionMode} }},
	{"--allowed-tools", func(j Job) []string { return j.AllowedTools }},
	{"--disallowed-tools", func(j Job) []string { return j.DisallowedTools }},
	{"--sandbox", func(j Job) []string { return []string{j.Sandbox} }},
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
	switch {
	case every%time.Minute == 0 && every < time.Hour && time.Hour%every == 0:
		return fmt.Sprintf("*/%d * * * *", every/time.Minute), timeZone, nil
	case every == time.Hour:
		return "0 * * * *", timeZone, nil
	case every%time.Hour == 0 && every < 24*time.Hour && (24*time.Hour)%every == 0:
		return fmt.Sprintf("0 */%d * * *", every/time.Hour), timeZone, nil
	case every == 24*time.Hour:
		return "0 0 * * *", timeZone, nil
	}
	return "", "", fmt.Errorf("@every %s has no cron equivalent (Kubernetes CronJobs need a cron expression); use a schedule such as \"*/15 * * * *\"", every)
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

// WriteKubernetes writes one CronJob manifest per job, as YAML documents.
func WriteKubernetes(w io.Writer, jobs []Job, o KubeOptions) error {
	seen := map[string]string{}
	var docs []string
	for _, j := range jobs {
		name := KubeName(j.Name)
		if other, dup := seen[name]; dup {
			return fmt.Errorf("jobs %q and %q would both be CronJob %q; rename one", other, j.Name, name)
		}
		seen[name] = j.Name
		doc, err := cronJobYAML(j, name, o)
		if err != nil {
			return fmt.Errorf("job %q: %w", j.Name, err)
		}
		docs = append(docs, doc)
	}
	_, err := io.WriteString(w, strings.Join(docs, "---\n"))
	return err
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
			{"env", []any{
				obj{{"name", "ANTHROPIC_IDENTITY_TOKEN_FILE"}, {"value", kubeTokenDir + "/token"}},
				obj{{"name", "HERMES_HOME"}, {"value", "/var/lib/hermes/home"}},
			}},
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
