package kubernetes

import (
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// render runs kustomize (the library kubectl apply -k uses) on dir.
func render(t *testing.T, dir string) []byte {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	return out
}

// Every kustomization renders, the rendered documents decode strictly
// into the API types and keep the pod invariants, and the kustomize
// transformations (namespace, labels, image) land where they should.
func TestKustomizeRender(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{".", "gateway", "sidecar", "cronjob", "bot", "gateway-budgets"} {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			out := render(t, dir)
			_, listed := loadDir(t, dir)
			rendered := &objects{}
			decodeStrict(t, dir+" (rendered)", out, rendered)
			if got, want := count(rendered), count(listed); got != want {
				t.Errorf("rendered %d objects, the kustomization lists %d", got, want)
			}
			for _, d := range rendered.deployments {
				checkPod(t, d.Name+" (rendered)", d.Spec.Template.Spec)
			}
			for _, cj := range rendered.cronJobs {
				checkCronJob(t, cj)
			}
			for _, doc := range splitDocs(out) {
				var meta struct {
					Kind     string `json:"kind"`
					Metadata struct {
						Name      string            `json:"name"`
						Namespace string            `json:"namespace"`
						Labels    map[string]string `json:"labels"`
					} `json:"metadata"`
				}
				if err := yaml.Unmarshal(doc, &meta); err != nil {
					t.Fatal(err)
				}
				if meta.Kind == "Namespace" {
					continue
				}
				if meta.Metadata.Labels["app.kubernetes.io/part-of"] != "hermes" {
					t.Errorf("%s %s lacks the part-of label", meta.Kind, meta.Metadata.Name)
				}
				if dir == "." && meta.Metadata.Namespace != "hermes" {
					t.Errorf("%s %s is in namespace %q, want hermes", meta.Kind, meta.Metadata.Name, meta.Metadata.Namespace)
				}
			}
		})
	}
}

func count(o *objects) int {
	return len(o.deployments) + len(o.services) + len(o.accounts) + len(o.configMaps) +
		len(o.pdbs) + len(o.netpols) + len(o.cronJobs) + len(o.namespaces) + len(o.pvcs)
}
