package cron

import (
	"bytes"
	"fmt"
	"path"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/models"
)

type exportOptions struct {
	IO         *iostreams.IOStreams
	Store      func() (*cron.Store, error)
	Kubernetes bool
	Kube       cron.KubeOptions
	Jobs       []string
}

func newExportCmd(f *cmdutil.Factory, runF func(*exportOptions) error) *cobra.Command {
	opts := &exportOptions{IO: f.IO, Store: func() (*cron.Store, error) { return openStore(f) }}
	cmd := &cobra.Command{
		Use:   "export --kubernetes [JOB...]",
		Short: "Write jobs as Kubernetes CronJob manifests",
		Long: `Write scheduled jobs (all, or the ones named) as Kubernetes CronJob manifests
on stdout, one YAML document per job: the schedule (a CRON_TZ= prefix becomes
spec.timeZone, "@every D" a step expression), the prompt, model, system prompt,
tools and permission flags (--permission-mode, --allowed-tools,
--disallowed-tools; with no terminal in the pod nobody is asked, as in a
daemon run) and MCP settings (--mcp-config, a file's content inlined as
written, and --strict-mcp-config) become 'hermes chat -q' arguments; a stdio
MCP server's command must exist in the image (a warning names it); the pod authenticates with WIF
from its projected service-account token (audience --audience) and the
federation settings in the ConfigMap --configmap (see deploy/kubernetes/cronjob).
Paused jobs are exported suspended. The job's working directory is not: the
pod works in an empty /work.

  hermes cron export --kubernetes > cronjobs.yaml && kubectl apply -f cronjobs.yaml`,
		Annotations: map[string]string{annotationJobArgs: "many"},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Jobs = args
			if !opts.Kubernetes {
				return cmdutil.FlagErrorf("say which format: --kubernetes (the only one so far)")
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Kubernetes, "kubernetes", false, "write Kubernetes CronJob manifests")
	fl.StringVar(&opts.Kube.Image, "image", cron.DefaultKubeImage, "container image running hermes")
	fl.StringVar(&opts.Kube.Namespace, "namespace", "", "metadata.namespace of the manifests (default: none, kubectl -n decides)")
	fl.StringVar(&opts.Kube.ServiceAccount, "service-account", cron.DefaultKubeServiceAccount, "service account whose projected token is the WIF identity")
	fl.StringVar(&opts.Kube.ConfigMap, "configmap", cron.DefaultKubeConfigMap, "ConfigMap with ANTHROPIC_FEDERATION_RULE_ID and ANTHROPIC_ORGANIZATION_ID")
	fl.StringVar(&opts.Kube.Audience, "audience", cron.DefaultKubeAudience, "audience of the projected service-account token")
	return cmdutil.MarkOffline(cmd)
}

func exportRun(opts *exportOptions) error {
	store, err := opts.Store()
	if err != nil {
		return err
	}
	var jobs []cron.Job
	if len(opts.Jobs) == 0 {
		if jobs, err = store.List(); err != nil {
			return err
		}
		if len(jobs) == 0 {
			return fmt.Errorf("no cron jobs to export (add one with hermes cron add)")
		}
	}
	for _, name := range opts.Jobs {
		j, err := store.Get(name)
		if err != nil {
			return err
		}
		jobs = append(jobs, j)
	}
	if err := exportMCP(jobs, opts.Kube.Image, path.Dir(store.Dir), opts.IO.ErrOut); err != nil {
		return err
	}
	// Build everything first: a job that cannot be exported leaves stdout
	// empty rather than half a file.
	var buf bytes.Buffer
	if err := cron.WriteKubernetes(&buf, jobs, opts.Kube); err != nil {
		return err
	}
	// A CronJob runs unattended for months: say now when a job pins a
	// model that is retired or retiring.
	for _, j := range jobs {
		if r, ok := models.Retirement(j.Model); ok {
			fmt.Fprintf(opts.IO.ErrOut, "%s (job %q)\n", r.Warning(time.Now()), j.Name)
		}
	}
	_, err = opts.IO.Out.Write(buf.Bytes())
	return err
}
