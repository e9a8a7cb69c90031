package cron

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
A job with --deliver posts with the platform's bot token from the Secret
--bot-secret (deploy/kubernetes/bot's).
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
	fl.StringVar(&opts.Kube.BotSecret, "bot-secret", cron.DefaultKubeBotSecret, "Secret with the TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN a --deliver job posts with")
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
	// Build everything first: an error (two jobs sharing a CronJob name)
	// leaves stdout empty rather than half a file.
	var buf bytes.Buffer
	skipped, err := cron.WriteKubernetes(&buf, jobs, opts.Kube)
	if err != nil {
		return err
	}
	isSkipped := map[string]bool{}
	for _, s := range skipped {
		isSkipped[s.Name] = true
	}
	// A CronJob runs unattended for months: say now when a job pins a
	// model that is retired or retiring, or uses a tool the image lacks.
	for _, j := range jobs {
		if isSkipped[j.Name] {
			continue
		}
		if r, ok := models.Retirement(j.Model); ok {
			fmt.Fprintf(opts.IO.ErrOut, "%s (job %q)\n", r.Warning(time.Now()), j.Name)
		}
		if w := cron.BashWithoutShell(j, opts.Kube.Image); w != "" {
			fmt.Fprintln(opts.IO.ErrOut, "warning: "+w)
		}
	}
	if _, err := opts.IO.Out.Write(buf.Bytes()); err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintf(opts.IO.ErrOut, "job %q not exported: %v%s\n", s.Name, s.Err, editHint(s))
	}
	if len(skipped) > 0 {
		return skippedError(len(skipped), len(jobs))
	}
	return nil
}

// skippedError is export's failure when n of total jobs were skipped.
func skippedError(n, total int) error {
	switch written := total - n; {
	case written == 0 && n == 1:
		return errors.New("the job was not exported (see above); nothing was written")
	case written == 0:
		return fmt.Errorf("none of the %d jobs was exported (see above); nothing was written", n)
	case written == 1:
		return fmt.Errorf("%d of %d jobs not exported (named above); the other one was written", n, total)
	default:
		return fmt.Errorf("%d of %d jobs not exported (named above); the other %d were written", n, total, written)
	}
}

// editHint is the command that gives a skipped job an exportable schedule.
func editHint(s cron.SkippedJob) string {
	var se *cron.KubeScheduleError
	if !errors.As(s.Err, &se) {
		return ""
	}
	return fmt.Sprintf("; to export it, give it a cron schedule: hermes cron edit %s --schedule '%s'", s.Name, se.Nearest)
}

// warnNotExportable tells, when a job is added or its schedule changed,
// that `cron export --kubernetes` cannot export its schedule: finding out
// months later at export time is worse.
func warnNotExportable(w io.Writer, job cron.Job) {
	var se *cron.KubeScheduleError
	if _, _, err := cron.KubeSchedule(job.Schedule); errors.As(err, &se) {
		fmt.Fprintf(w, "warning: this schedule cannot be exported to Kubernetes (hermes cron export --kubernetes): %v; the cron daemon runs it as given\n", err)
	}
}
