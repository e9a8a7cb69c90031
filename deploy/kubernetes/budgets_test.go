package kubernetes

import (
	"path"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/budget"
)

// The budgets overlay: the rendered gateway reads the ConfigMap's budgets
// (which parse) from where the volume is mounted, counts in the overlay's
// Redis Service, and fails closed; only the gateway reaches Redis.
func TestGatewayBudgetsOverlay(t *testing.T) {
	t.Parallel()
	rendered := &objects{}
	decodeStrict(t, "gateway-budgets (rendered)", render(t, "gateway-budgets"), rendered)
	var budgets string
	for _, cm := range rendered.configMaps {
		if cm.Name == "hermes-gateway-budgets" {
			budgets = cm.Data["budgets.yaml"]
		}
	}
	rules, err := budget.Parse([]byte(budgets))
	if err != nil || len(rules) == 0 {
		t.Fatalf("the budgets ConfigMap: %v (%d rules)", err, len(rules))
	}
	var gwArgs []string
	var mounts = map[string]string{}
	for _, d := range rendered.deployments {
		if d.Name != "hermes-gateway" {
			continue
		}
		c := d.Spec.Template.Spec.Containers[0]
		gwArgs = c.Args
		for _, m := range c.VolumeMounts {
			mounts[m.Name] = m.MountPath
		}
		found := false
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Name == "budgets" && v.ConfigMap != nil && v.ConfigMap.Name == "hermes-gateway-budgets" {
				found = true
			}
		}
		if !found {
			t.Error("the gateway does not mount the budgets ConfigMap")
		}
	}
	cmd := hermesCommand(t, gwArgs)
	if got, want := flagValue(cmd, "budgets"), path.Join(mounts["budgets"], "budgets.yaml"); got != want {
		t.Errorf("--budgets %q, want the mounted file %q", got, want)
	}
	var redisSvc bool
	for _, s := range rendered.services {
		redisSvc = redisSvc || s.Name == "hermes-redis"
	}
	if store := flagValue(cmd, "budget-store"); !redisSvc || !strings.HasPrefix(store, "redis://hermes-redis:6379/") {
		t.Errorf("--budget-store %q, Redis Service present: %v", store, redisSvc)
	}
	if flagValue(cmd, "budget-store-fail") != "closed" {
		t.Error("the overlay must fail closed")
	}
	for _, np := range rendered.netpols {
		if np.Name == "hermes-redis" {
			from := np.Spec.Ingress[0].From
			if len(from) != 1 || from[0].PodSelector.MatchLabels["app.kubernetes.io/name"] != "hermes-gateway" {
				t.Errorf("Redis is reachable by more than the gateway: %+v", from)
			}
			return
		}
	}
	t.Error("no NetworkPolicy guards Redis")
}
