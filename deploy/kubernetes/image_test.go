package kubernetes

import (
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The image the manifests run: scripts/build-image.sh's static build and
// context (no image tool here: HERMES_IMAGE_TOOL=none), checked against
// what Containerfile copies and runs.
func TestImageBuildScriptStaticContext(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go on PATH")
	}
	ca := "/etc/ssl/certs/ca-certificates.crt"
	if _, err := os.Stat(ca); err != nil {
		t.Skip("no CA bundle here")
	}
	ctx := t.TempDir()
	cmd := exec.Command("bash", "../../scripts/build-image.sh", "hermes-test:dev")
	cmd.Env = append(os.Environ(), "HERMES_IMAGE_TOOL=none", "HERMES_CONTEXT="+ctx,
		// A small main package stamped the same way as hermes: the script's
		// build flags are what is tested, not a second build of the tree.
		"HERMES_BUILD_PACKAGE=./scripts/testdata/versionprobe", "HERMES_VERSION=v9.9.9-test", "CA_BUNDLE="+ca)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("build-image.sh: %v\n%s", err, out)
	}
	bin := filepath.Join(ctx, "hermes")
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("not an ELF binary: %v", err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("binary is dynamically linked: it cannot run FROM scratch")
		}
	}
	f.Close()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("build settings: CGO_ENABLED=%q -trimpath=%q", settings["CGO_ENABLED"], settings["-trimpath"])
	}
	if v, err := exec.Command(bin, "version").CombinedOutput(); err != nil || !strings.Contains(string(v), "v9.9.9-test") {
		t.Errorf("hermes version: %v %s", err, v)
	}
	passwd, _ := os.ReadFile(filepath.Join(ctx, "passwd"))
	if !strings.Contains(string(passwd), "hermes:x:65532:65532:") {
		t.Errorf("passwd lacks the hermes user: %s", passwd)
	}
	if st, err := os.Stat(filepath.Join(ctx, "ca-certificates.crt")); err != nil || st.Size() == 0 {
		t.Errorf("no CA certificates in the context")
	}

	// Containerfile: every COPY source is in the context, the user is the
	// non-root 65532 the manifests' securityContext names, hermes is the
	// entrypoint.
	cf, err := os.ReadFile("../../Containerfile")
	if err != nil {
		t.Fatal(err)
	}
	var user, entry, from string
	for _, line := range strings.Split(string(cf), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch fields[0] {
		case "FROM":
			from = fields[1]
		case "USER":
			user = fields[1]
		case "ENTRYPOINT":
			entry = strings.Join(fields[1:], " ")
		case "COPY":
			var srcs []string
			for _, f := range fields[1 : len(fields)-1] {
				if !strings.HasPrefix(f, "--") {
					srcs = append(srcs, f)
				}
			}
			for _, s := range srcs {
				if _, err := os.Stat(filepath.Join(ctx, s)); err != nil {
					t.Errorf("Containerfile copies %s, not in the context", s)
				}
			}
		}
	}
	if from != "scratch" && !strings.HasPrefix(from, "gcr.io/distroless/static") {
		t.Errorf("base image %q", from)
	}
	if user != "65532:65532" {
		t.Errorf("USER %q, want 65532:65532", user)
	}
	if entry != `["/usr/local/bin/hermes"]` {
		t.Errorf("ENTRYPOINT %s", entry)
	}
}

// Without HERMES_IMAGE_TOOL the script builds the image with the first of
// buildah, podman, docker on PATH (stand-ins here that record their
// arguments), and with none of them stops at the context.
func TestImageBuildScriptFindsTheImageTool(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on PATH")
	}
	ca := "/etc/ssl/certs/ca-certificates.crt"
	if _, err := os.Stat(ca); err != nil {
		t.Skip("no CA bundle here")
	}
	for _, tool := range []string{"buildah", "podman", "docker"} {
		if p, err := exec.LookPath(tool); err == nil && (filepath.Dir(p) == "/usr/bin" || filepath.Dir(p) == "/bin") {
			t.Skipf("a real %s in %s would be found first", tool, filepath.Dir(p))
		}
	}
	for _, c := range []struct {
		present []string
		want    string // tool and arguments; "" for none
	}{
		{[]string{"buildah", "podman", "docker"}, "buildah bud --layers -f CTX/Containerfile -t hermes-test:dev CTX"},
		{[]string{"podman", "docker"}, "podman build -f CTX/Containerfile -t hermes-test:dev CTX"},
		{[]string{"docker"}, "docker build -f CTX/Containerfile -t hermes-test:dev CTX"},
		{nil, ""},
	} {
		// Each case builds and runs the script on its own context and
		// stand-ins: independent, so they run side by side.
		name := "none"
		if len(c.present) > 0 {
			name = strings.Join(c.present, "-")
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake, ctx := t.TempDir(), t.TempDir()
			log := filepath.Join(fake, "calls")
			for _, tool := range c.present {
				script := "#!/bin/sh\necho \"" + tool + " $*\" >> " + log + "\n"
				if err := os.WriteFile(filepath.Join(fake, tool), []byte(script), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("bash", "../../scripts/build-image.sh", "hermes-test:dev")
			cmd.Env = append(os.Environ(), "PATH="+fake+":"+filepath.Dir(goBin)+":/usr/bin:/bin", "HERMES_IMAGE_TOOL=", "HERMES_CONTEXT="+ctx,
				"HERMES_BUILD_PACKAGE=./scripts/testdata/versionprobe", "HERMES_VERSION=v9.9.9-test", "CA_BUNDLE="+ca)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v present: %v\n%s", c.present, err, out)
			}
			calls, _ := os.ReadFile(log)
			if got := strings.ReplaceAll(strings.TrimSpace(string(calls)), ctx, "CTX"); got != c.want {
				t.Errorf("%v present: ran %q, want %q", c.present, got, c.want)
			}
			if c.want == "" && !strings.Contains(string(out), "context ready in "+ctx) {
				t.Errorf("no tool: output %s", out)
			}
		})
	}
}
