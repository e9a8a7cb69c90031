// Package kubernetes holds the Kubernetes manifests (kustomize layout) and
// the tests that check them: every document decodes strictly into the
// Kubernetes API types, the invariants the README promises hold, and the
// arguments each hermes container passes parse with hermes's own command
// tree. No cluster is needed.
package kubernetes

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/hermes-agent/hermes/internal/cli/factory"
	"github.com/hermes-agent/hermes/internal/cli/root"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/models"
)

const (
	anthropicAudience = "https://api.anthropic.com"
	hermesImage       = "ghcr.io/hermes-agent/hermes"
)

// kustomization is the part of kustomize's type the manifests use; strict
// decoding refuses anything else (a typo such as "resource:").
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace,omitempty"`
	Resources  []string `json:"resources"`
	Labels     []struct {
		Pairs map[string]string `json:"pairs"`
	} `json:"labels,omitempty"`
	Images []struct {
		Name   string `json:"name"`
		NewTag string `json:"newTag,omitempty"`
	} `json:"images,omitempty"`
	Patches []struct {
		Path   string `json:"path"`
		Target struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"target"`
	} `json:"patches,omitempty"`
}

// objects are the decoded documents of one directory, by kind.
type objects struct {
	deployments []appsv1.Deployment
	services    []corev1.Service
	accounts    []corev1.ServiceAccount
	configMaps  []corev1.ConfigMap
	pdbs        []policyv1.PodDisruptionBudget
	netpols     []networkingv1.NetworkPolicy
	cronJobs    []batchv1.CronJob
	namespaces  []corev1.Namespace
	pvcs        []corev1.PersistentVolumeClaim
}

// splitDocs splits a YAML stream into documents.
func splitDocs(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range bytes.Split(append([]byte("\n"), data...), []byte("\n---\n")) {
		if len(bytes.TrimSpace(stripComments(d))) > 0 {
			docs = append(docs, d)
		}
	}
	return docs
}

func stripComments(d []byte) []byte {
	var out [][]byte
	for _, l := range bytes.Split(d, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(out, l)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// decodeStrict decodes every document into its API type, refusing unknown
// or duplicate fields.
func decodeStrict(t *testing.T, name string, data []byte, into *objects) {
	t.Helper()
	for i, doc := range splitDocs(data) {
		var head struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatalf("%s doc %d: %v", name, i, err)
		}
		var err error
		switch head.APIVersion + " " + head.Kind {
		case "apps/v1 Deployment":
			into.deployments = append(into.deployments, strict[appsv1.Deployment](doc, &err))
		case "v1 Service":
			into.services = append(into.services, strict[corev1.Service](doc, &err))
		case "v1 ServiceAccount":
			into.accounts = append(into.accounts, strict[corev1.ServiceAccount](doc, &err))
		case "v1 ConfigMap":
			into.configMaps = append(into.configMaps, strict[corev1.ConfigMap](doc, &err))
		case "v1 Namespace":
			into.namespaces = append(into.namespaces, strict[corev1.Namespace](doc, &err))
		case "policy/v1 PodDisruptionBudget":
			into.pdbs = append(into.pdbs, strict[policyv1.PodDisruptionBudget](doc, &err))
		case "networking.k8s.io/v1 NetworkPolicy":
			into.netpols = append(into.netpols, strict[networkingv1.NetworkPolicy](doc, &err))
		case "v1 PersistentVolumeClaim":
			into.pvcs = append(into.pvcs, strict[corev1.PersistentVolumeClaim](doc, &err))
		case "batch/v1 CronJob":
			into.cronJobs = append(into.cronJobs, strict[batchv1.CronJob](doc, &err))
		default:
			t.Fatalf("%s doc %d: unexpected %s %s", name, i, head.APIVersion, head.Kind)
		}
		if err != nil {
			t.Fatalf("%s doc %d (%s): %v", name, i, head.Kind, err)
		}
	}
}

func strict[T any](doc []byte, err *error) T {
	var v T
	*err = yaml.UnmarshalStrict(doc, &v)
	return v
}

// loadDir decodes a kustomization and the resources it lists; it fails when
// a listed resource is missing or a manifest in the directory is not listed.
func loadDir(t *testing.T, dir string) (*kustomization, *objects) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Fatalf("%s/kustomization.yaml: %s %s", dir, k.APIVersion, k.Kind)
	}
	objs := &objects{}
	for _, r := range k.Resources {
		p := filepath.Join(dir, r)
		info, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s lists %s: %v", dir, r, err)
		}
		if info.IsDir() {
			_, sub := loadDir(t, p)
			objs.merge(sub)
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		decodeStrict(t, p, b, objs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(k.Resources, base) {
			t.Errorf("%s is not listed in %s/kustomization.yaml", base, dir)
		}
	}
	return &k, objs
}

func (o *objects) merge(s *objects) {
	o.deployments = append(o.deployments, s.deployments...)
	o.services = append(o.services, s.services...)
	o.accounts = append(o.accounts, s.accounts...)
	o.configMaps = append(o.configMaps, s.configMaps...)
	o.pdbs = append(o.pdbs, s.pdbs...)
	o.netpols = append(o.netpols, s.netpols...)
	o.cronJobs = append(o.cronJobs, s.cronJobs...)
	o.namespaces = append(o.namespaces, s.namespaces...)
	o.pvcs = append(o.pvcs, s.pvcs...)
}

// hermesCommand parses a container's args with the real command tree, as
// the binary would, and returns the command they select.
func hermesCommand(t *testing.T, args []string) *cobra.Command {
	t.Helper()
	f := factory.New()
	f.IO, _, _, _ = iostreams.Test()
	cmd, rest, err := root.NewCmd(f).Find(args)
	if err != nil {
		t.Fatalf("hermes %q: %v", args, err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatalf("hermes %q: %v", args, err)
	}
	if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
		t.Fatalf("hermes %q: %v", args, err)
	}
	return cmd
}

func flagValue(cmd *cobra.Command, name string) string {
	fl := cmd.Flags().Lookup(name)
	if fl == nil {
		return ""
	}
	if sv, ok := fl.Value.(interface{ GetSlice() []string }); ok {
		return strings.Join(sv.GetSlice(), ",")
	}
	return fl.Value.String()
}

// checkPod asserts what every pod here promises: non-root, no privilege
// escalation, read-only root filesystem, no capabilities, resources; and
// for hermes containers, WIF from a projected token with Anthropic's audience.
func checkPod(t *testing.T, name string, pod corev1.PodSpec) {
	t.Helper()
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("%s: pod must run as a non-root user", name)
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod lacks the RuntimeDefault seccomp profile", name)
	}
	all := append(append([]corev1.Container(nil), pod.InitContainers...), pod.Containers...)
	for _, c := range all {
		sc := c.SecurityContext
		switch {
		case sc == nil:
			t.Errorf("%s/%s: no securityContext", name, c.Name)
			continue
		case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
			t.Errorf("%s/%s: privilege escalation allowed", name, c.Name)
		case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
			t.Errorf("%s/%s: root filesystem writable", name, c.Name)
		case sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL"):
			t.Errorf("%s/%s: capabilities not dropped", name, c.Name)
		case sc.Privileged != nil && *sc.Privileged:
			t.Errorf("%s/%s: privileged", name, c.Name)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s/%s: needs cpu and memory requests and a memory limit", name, c.Name)
		}
		if strings.HasPrefix(c.Image, hermesImage+":") {
			hermesCommand(t, c.Args)
			checkWIF(t, name+"/"+c.Name, pod, c)
		}
	}
}

// checkWIF: ANTHROPIC_IDENTITY_TOKEN_FILE names a file of a projected
// service-account token volume with the Anthropic audience, mounted into
// the container; HERMES_HOME is a writable mount (the root fs is read-only).
func checkWIF(t *testing.T, name string, pod corev1.PodSpec, c corev1.Container) {
	t.Helper()
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	if len(c.EnvFrom) == 0 || c.EnvFrom[0].ConfigMapRef == nil {
		t.Errorf("%s: no ConfigMap with the federation rule", name)
	}
	tokenFile := env["ANTHROPIC_IDENTITY_TOKEN_FILE"]
	found := false
	for _, m := range c.VolumeMounts {
		dir, file := filepath.Split(tokenFile)
		if filepath.Clean(dir) != m.MountPath {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name != m.Name || v.Projected == nil {
				continue
			}
			for _, s := range v.Projected.Sources {
				if s.ServiceAccountToken != nil && s.ServiceAccountToken.Path == file && s.ServiceAccountToken.Audience == anthropicAudience {
					found = true
				}
			}
		}
	}
	if !found {
		t.Errorf("%s: ANTHROPIC_IDENTITY_TOKEN_FILE %q is not a projected token with audience %s", name, tokenFile, anthropicAudience)
	}
	// The kubelet makes an emptyDir world-writable (0777), and hermes
	// refuses a HERMES_HOME others can write (StrictModes): HERMES_HOME is
	// a directory hermes creates (0700) inside the writable mount.
	home := env["HERMES_HOME"]
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == path.Dir(home) && !m.ReadOnly }) {
		t.Errorf("%s: HERMES_HOME %q is not a directory directly inside a writable mount", name, home)
	}
}

func container(cs []corev1.Container, name string) *corev1.Container {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}

func listenPort(t *testing.T, cmd *cobra.Command) string {
	_, port, err := net.SplitHostPort(flagValue(cmd, "listen"))
	if err != nil {
		t.Fatalf("--listen: %v", err)
	}
	return port
}

func TestTopLevelKustomization(t *testing.T) {
	t.Parallel()
	k, objs := loadDir(t, ".")
	if len(objs.namespaces) != 1 || objs.namespaces[0].Name != k.Namespace {
		t.Errorf("the namespace %q is not created", k.Namespace)
	}
}

func TestGatewayManifests(t *testing.T) {
	t.Parallel()
	_, objs := loadDir(t, "gateway")
	if len(objs.deployments) != 1 || len(objs.services) != 1 || len(objs.pdbs) != 1 || len(objs.netpols) != 1 || len(objs.accounts) != 1 {
		t.Fatalf("want one each of Deployment, Service, PDB, NetworkPolicy, ServiceAccount: %+v", objs)
	}
	d := objs.deployments[0]
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("replicas: want 2")
	}
	pod := d.Spec.Template.Spec
	checkPod(t, "gateway", pod)
	if pod.ServiceAccountName != objs.accounts[0].Name {
		t.Errorf("pod runs as %q, ServiceAccount is %q", pod.ServiceAccountName, objs.accounts[0].Name)
	}
	c := container(pod.Containers, "hermes")
	if c == nil {
		t.Fatal("no hermes container")
	}
	cmd := hermesCommand(t, c.Args)
	if cmd.Name() != "gateway" {
		t.Fatalf("container runs hermes %s", cmd.CommandPath())
	}
	port := listenPort(t, cmd)
	var portName string
	for _, p := range c.Ports {
		if fmt.Sprint(p.ContainerPort) == port {
			portName = p.Name
		}
	}
	if portName == "" {
		t.Fatalf("--listen port %s is not a containerPort", port)
	}
	for _, pr := range []struct {
		probe *corev1.Probe
		path  string
	}{{c.LivenessProbe, "/healthz"}, {c.ReadinessProbe, "/readyz"}} {
		if pr.probe == nil || pr.probe.HTTPGet == nil || pr.probe.HTTPGet.Path != pr.path || pr.probe.HTTPGet.Port.String() != portName {
			t.Errorf("probe on %s: %+v", pr.path, pr.probe)
		}
	}
	if flagValue(cmd, "allow-remote") != "true" {
		t.Error("the shared gateway must --allow-remote")
	}
	for _, f := range []string{"client-issuer", "client-audience", "client-subject", "client-issuer-ca-file", "client-issuer-token-file", "client-max-streams", "client-rpm"} {
		if v := flagValue(cmd, f); v == "" || v == "0" || v == "[]" {
			t.Errorf("--%s not set", f)
		}
	}
	if flagValue(cmd, "log-format") != "json" {
		t.Error("the access log should be JSON in the cluster")
	}
	grace, err := time.ParseDuration(flagValue(cmd, "shutdown-grace"))
	if err != nil || pod.TerminationGracePeriodSeconds == nil || time.Duration(*pod.TerminationGracePeriodSeconds)*time.Second <= grace {
		t.Errorf("terminationGracePeriodSeconds must exceed --shutdown-grace %s", grace)
	}
	labels := d.Spec.Template.Labels
	svc := objs.services[0]
	if !selects(svc.Spec.Selector, labels) || svc.Spec.Ports[0].TargetPort.String() != portName {
		t.Errorf("Service does not reach the pods' %s port", portName)
	}
	if !selects(objs.pdbs[0].Spec.Selector.MatchLabels, labels) || objs.pdbs[0].Spec.MinAvailable == nil {
		t.Error("PDB does not cover the pods")
	}
	np := objs.netpols[0]
	if !selects(np.Spec.PodSelector.MatchLabels, labels) || len(np.Spec.Ingress) == 0 {
		t.Fatal("NetworkPolicy does not select the gateway")
	}
	clientOnly := false
	for _, from := range np.Spec.Ingress[0].From {
		if from.PodSelector != nil && from.PodSelector.MatchLabels["hermes.dev/gateway-client"] == "true" {
			clientOnly = true
		}
	}
	if !clientOnly {
		t.Error("NetworkPolicy does not admit only labelled client pods")
	}
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestSidecarManifests(t *testing.T) {
	t.Parallel()
	_, objs := loadDir(t, "sidecar")
	if len(objs.deployments) != 1 {
		t.Fatal("want one Deployment")
	}
	pod := objs.deployments[0].Spec.Template.Spec
	checkPod(t, "sidecar", pod)
	h := container(pod.InitContainers, "hermes")
	if h == nil || h.RestartPolicy == nil || *h.RestartPolicy != corev1.ContainerRestartPolicyAlways {
		t.Fatal("hermes must be a native sidecar: an init container with restartPolicy: Always")
	}
	cmd := hermesCommand(t, h.Args)
	host, port, _ := net.SplitHostPort(flagValue(cmd, "listen"))
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() || flagValue(cmd, "allow-remote") == "true" {
		t.Errorf("the sidecar must serve on loopback only, not %s", flagValue(cmd, "listen"))
	}
	keyDir := path.Dir(flagValue(cmd, "key-file"))
	app := container(pod.Containers, "app")
	if app == nil {
		t.Fatal("no app container")
	}
	var baseURL string
	for _, e := range app.Env {
		if e.Name == "ANTHROPIC_BASE_URL" {
			baseURL = e.Value
		}
	}
	if baseURL != "http://127.0.0.1:"+port {
		t.Errorf("app ANTHROPIC_BASE_URL %q does not point at the sidecar on port %s", baseURL, port)
	}
	// The key's directory is made (0700) by the gateway inside one
	// in-memory volume mounted in both (an emptyDir is 0777, which hermes
	// refuses as the key's own directory).
	vol := mountAt(*h, path.Dir(keyDir))
	if vol == "" || mountAt(*app, path.Dir(keyDir)) != vol {
		t.Fatalf("key directory %s is not inside a volume both containers mount", keyDir)
	}
	for _, v := range pod.Volumes {
		if v.Name == vol && (v.EmptyDir == nil || v.EmptyDir.Medium != corev1.StorageMediumMemory) {
			t.Errorf("key volume %s is not an in-memory emptyDir", vol)
		}
	}
}

func mountAt(c corev1.Container, path string) string {
	for _, m := range c.VolumeMounts {
		if m.MountPath == path {
			return m.Name
		}
	}
	return ""
}

func checkCronJob(t *testing.T, cj batchv1.CronJob) *cobra.Command {
	t.Helper()
	s := cj.Spec
	if s.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("%s: concurrencyPolicy %q, want Forbid", cj.Name, s.ConcurrencyPolicy)
	}
	if s.JobTemplate.Spec.BackoffLimit == nil || s.SuccessfulJobsHistoryLimit == nil || s.FailedJobsHistoryLimit == nil {
		t.Errorf("%s: backoffLimit and history limits must be set", cj.Name)
	}
	if _, err := cron.ParseSchedule(s.Schedule, time.Now()); err != nil || strings.Contains(s.Schedule, "TZ=") {
		t.Errorf("%s: schedule %q: %v", cj.Name, s.Schedule, err)
	}
	if s.TimeZone != nil {
		if _, err := time.LoadLocation(*s.TimeZone); err != nil {
			t.Errorf("%s: timeZone: %v", cj.Name, err)
		}
	}
	pod := s.JobTemplate.Spec.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever && pod.RestartPolicy != corev1.RestartPolicyOnFailure {
		t.Errorf("%s: restartPolicy %q", cj.Name, pod.RestartPolicy)
	}
	checkPod(t, cj.Name, pod)
	cmd := hermesCommand(t, pod.Containers[0].Args)
	if cmd.CommandPath() != "hermes chat" || flagValue(cmd, "query") == "" {
		t.Errorf("%s: runs %s without -q", cj.Name, cmd.CommandPath())
	}
	return cmd
}

func TestCronJobManifests(t *testing.T) {
	t.Parallel()
	_, objs := loadDir(t, "cronjob")
	if len(objs.cronJobs) != 1 {
		t.Fatal("want one CronJob")
	}
	cmd := checkCronJob(t, objs.cronJobs[0])
	// The example must keep working: no model past or near its end of life.
	if m := flagValue(cmd, "model"); m != "" {
		if r, ok := models.Retirement(m); ok {
			t.Errorf("the example CronJob pins %s: %s", m, r.Warning(time.Now()))
		}
	}
}

// `hermes cron export --kubernetes` writes CronJobs that pass the same
// checks, carrying every job field over.
func TestCronExportKubernetes(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	store := cron.NewStore(home)
	jobs := []cron.Job{
		{Name: "Nightly.Report", Schedule: "CRON_TZ=Europe/Paris 0 9 * * 1-5", Prompt: "--summarise \"open\" PRs: <today>\nline two", Model: "claude-sonnet-4-5", System: "be brief", Tools: []string{"read_file", "bash", "edit_file"},
			PermissionMode: "acceptEdits", AllowedTools: []string{"bash(go test:*) read_file", "edit_file"}, DisallowedTools: []string{"bash(git push:*)"}},
		{Name: "every15", Schedule: "@every 15m", Prompt: "ping", Paused: true},
		{Name: "standup", Schedule: "@daily", Prompt: "the standup notes", Deliver: "slack:C0REPORTS"},
	}
	for _, j := range jobs {
		j.Created, j.Anchor = time.Now(), time.Now()
		if err := store.Add(context.Background(), j); err != nil {
			t.Fatal(err)
		}
	}
	ios, _, out, errOut := iostreams.Test()
	f := factory.New()
	f.IO = ios
	f.Getenv = func(k string) string {
		if k == "HERMES_HOME" {
			return home
		}
		return ""
	}
	if code := root.Run(context.Background(), f, []string{"cron", "export", "--kubernetes", "--namespace", "batch"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The job pins a retired model: the export says so (stdout stays YAML).
	if !strings.Contains(errOut.String(), "claude-sonnet-4-5 reached end-of-life") || !strings.Contains(errOut.String(), `(job "Nightly.Report")`) {
		t.Errorf("no warning about the retired model: %q", errOut)
	}
	objs := &objects{}
	decodeStrict(t, "export", out.Bytes(), objs)
	if len(objs.cronJobs) != 3 {
		t.Fatalf("%d CronJobs", len(objs.cronJobs))
	}
	byName := map[string]batchv1.CronJob{}
	for _, cj := range objs.cronJobs {
		byName[cj.Name] = cj
		if cj.Namespace != "batch" {
			t.Errorf("%s: namespace %q", cj.Name, cj.Namespace)
		}
	}
	nightly := byName["hermes-nightly-report"]
	cmd := checkCronJob(t, nightly)
	if nightly.Spec.Schedule != "0 9 * * 1-5" || nightly.Spec.TimeZone == nil || *nightly.Spec.TimeZone != "Europe/Paris" {
		t.Errorf("schedule %q tz %v", nightly.Spec.Schedule, nightly.Spec.TimeZone)
	}
	for flag, want := range map[string]string{"query": jobs[0].Prompt, "model": "claude-sonnet-4-5", "system": "be brief", "tools": "read_file,bash,edit_file",
		"permission-mode": "acceptEdits", "allowed-tools": "bash(go test:*) read_file,edit_file", "disallowed-tools": "bash(git push:*)"} {
		if got := flagValue(cmd, flag); got != want {
			t.Errorf("--%s = %q, want %q", flag, got, want)
		}
	}
	// A job that delivers to a chat posts with the platform's bot token,
	// from the bot's Secret; the others get no platform token at all.
	standup := byName["hermes-standup"]
	if cmd := checkCronJob(t, standup); flagValue(cmd, "deliver") != "slack:C0REPORTS" {
		t.Errorf("--deliver = %q", flagValue(cmd, "deliver"))
	}
	tokenFrom := func(cj batchv1.CronJob) map[string]string {
		refs := map[string]string{}
		for _, e := range cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Env {
			if strings.HasSuffix(e.Name, "_BOT_TOKEN") {
				if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
					t.Errorf("%s: %s is not from a Secret", cj.Name, e.Name)
					continue
				}
				refs[e.Name] = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
			}
		}
		return refs
	}
	if got := tokenFrom(standup); len(got) != 1 || got["SLACK_BOT_TOKEN"] != "hermes-bot/SLACK_BOT_TOKEN" {
		t.Errorf("the delivering job's platform token: %v, want SLACK_BOT_TOKEN from hermes-bot", got)
	}
	if got := tokenFrom(nightly); len(got) != 0 {
		t.Errorf("a job that delivers nowhere gets platform tokens: %v", got)
	}
	every := byName["hermes-every15"]
	checkCronJob(t, every)
	if every.Spec.Schedule != "*/15 * * * *" || every.Spec.Suspend == nil || !*every.Spec.Suspend {
		t.Errorf("@every 15m paused → %q suspend %v", every.Spec.Schedule, every.Spec.Suspend)
	}

	// One named job; an unexportable schedule is named and skipped, the
	// others are written, and the exit says not everything was.
	ios, _, out, _ = iostreams.Test()
	f.IO = ios
	if code := root.Run(context.Background(), f, []string{"cron", "export", "--kubernetes", "every15"}); code != 0 || strings.Count(out.String(), "kind: \"CronJob\"") != 1 {
		t.Errorf("named export: %d %s", code, out)
	}
	store.Add(context.Background(), cron.Job{Name: "odd", Schedule: "@every 7m", Prompt: "x", Created: time.Now(), Anchor: time.Now()})
	ios, _, out, errOut = iostreams.Test()
	f.IO = ios
	if code := root.Run(context.Background(), f, []string{"cron", "export", "--kubernetes"}); code == 0 || strings.Count(out.String(), "kind: \"CronJob\"") != 3 || !strings.Contains(errOut.String(), `job "odd" not exported`) {
		t.Errorf("unexportable job: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	ios, _, _, errOut = iostreams.Test()
	f.IO = ios
	if code := root.Run(context.Background(), f, []string{"cron", "export"}); code != cmdutil.ExitUsage {
		t.Errorf("export without a format: exit %d %s", code, errOut)
	}
}
