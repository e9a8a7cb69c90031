package kubernetes

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// The bot's Deployment: one replica replaced whole (one poller per token),
// `hermes bot` with health on the probed port, the platform tokens only
// from the Secret (optional each), HERMES_HOME on the claim (sessions and
// the Telegram offset survive a restart), and a termination grace longer
// than --grace so answers in flight finish.
func TestBotManifests(t *testing.T) {
	t.Parallel()
	_, objs := loadDir(t, "bot")
	if len(objs.deployments) != 1 || len(objs.pvcs) != 1 || len(objs.accounts) != 1 {
		t.Fatalf("want one Deployment, PersistentVolumeClaim and ServiceAccount: %+v", objs)
	}
	d := objs.deployments[0]
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Error("the bot must run as one replica with the Recreate strategy")
	}
	pod := d.Spec.Template.Spec
	checkPod(t, "bot", pod)
	c := container(pod.Containers, "hermes")
	if c == nil {
		t.Fatal("no hermes container")
	}
	cmd := hermesCommand(t, c.Args)
	if cmd.CommandPath() != "hermes bot" {
		t.Fatalf("runs %s", cmd.CommandPath())
	}
	port := listenPort(t, cmd)
	for _, p := range []struct{ name, path string }{{"liveness", "/healthz"}, {"readiness", "/readyz"}} {
		probe := c.LivenessProbe
		if p.name == "readiness" {
			probe = c.ReadinessProbe
		}
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != p.path {
			t.Errorf("%s probe must GET %s", p.name, p.path)
			continue
		}
		if got := probe.HTTPGet.Port.String(); got != port && !slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool {
			return cp.Name == got && strconv.Itoa(int(cp.ContainerPort)) == port
		}) {
			t.Errorf("%s probe port %s is not --listen's %s", p.name, got, port)
		}
	}
	grace, err := time.ParseDuration(flagValue(cmd, "grace"))
	if err != nil || pod.TerminationGracePeriodSeconds == nil || time.Duration(*pod.TerminationGracePeriodSeconds)*time.Second <= grace {
		t.Errorf("terminationGracePeriodSeconds must exceed --grace %s", flagValue(cmd, "grace"))
	}
	secrets := map[string]bool{}
	for _, e := range c.Env {
		if strings.Contains(e.Name, "TOKEN") && e.Name != "ANTHROPIC_IDENTITY_TOKEN_FILE" || strings.Contains(e.Name, "SECRET") {
			if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				t.Errorf("%s must come from a Secret", e.Name)
				continue
			}
			secrets[e.Name] = true
		}
	}
	for _, v := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "TELEGRAM_BOT_TOKEN"} {
		if !secrets[v] {
			t.Errorf("%s is not taken from the Secret", v)
		}
	}
	homeOnClaim := false
	for _, v := range pod.Volumes {
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == objs.pvcs[0].Name && mountAt(*c, "/var/lib/hermes") == v.Name {
			homeOnClaim = true
		}
	}
	if !homeOnClaim {
		t.Error("HERMES_HOME's volume is not the PersistentVolumeClaim")
	}
}
