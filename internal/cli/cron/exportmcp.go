package cron

import (
	"fmt"
	"io"
	"strings"

	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/mcp"
)

// kubeHermesPath is the one program the default image has (Containerfile:
// FROM scratch, hermes alone).
const kubeHermesPath = "/usr/local/bin/hermes"

// exportMCP carries each job's MCP settings into its pod: an --mcp-config
// file (on this machine, not in the image) becomes inline JSON as written,
// its ${VAR} expanded in the pod, and --strict-mcp-config stays. What the
// pod cannot have is said on warn: a stdio server's command must exist in
// the image, and the servers a daemon run would add from HERMES_HOME and
// the job's directory are not exported (the pod has neither).
func exportMCP(jobs []cron.Job, image, home string, warn io.Writer) error {
	for i := range jobs {
		j := &jobs[i]
		inline, servers, err := mcp.InlineFlags(j.MCPConfig)
		if err != nil {
			return fmt.Errorf("job %q: %w", j.Name, err)
		}
		j.MCPConfig = inline
		for _, s := range servers {
			if s.Transport() != mcp.TransportStdio {
				continue
			}
			switch {
			case image == cron.DefaultKubeImage && s.Command != kubeHermesPath:
				fmt.Fprintf(warn, "hermes: warning: job %q: MCP server %s runs %q, which the default image %s does not have (it holds only %s): build an image with it and pass --image, or use an http server\n",
					j.Name, s.Name, s.Command, image, kubeHermesPath)
			case image != cron.DefaultKubeImage:
				fmt.Fprintf(warn, "hermes: job %q: MCP server %s runs %q: the image %s must have it (export cannot check)\n", j.Name, s.Name, s.Command, image)
			}
		}
		if j.StrictMCPConfig {
			continue
		}
		l, err := mcp.Load(mcp.LoadOptions{HermesHome: home, WorkDir: j.Dir, Getenv: func(string) (string, bool) { return "", false }})
		if err != nil {
			fmt.Fprintf(warn, "hermes: warning: job %q: its MCP servers from HERMES_HOME/mcp.json or the project's .mcp.json are not exported (%v)\n", j.Name, err)
			continue
		}
		var left []string
		for _, s := range l.Servers {
			left = append(left, s.Name+" ("+s.Scope+")")
		}
		if len(left) > 0 {
			fmt.Fprintf(warn, "hermes: warning: job %q: MCP servers %s are not exported: the pod has only the job's --mcp-config; add them with `hermes cron edit %s --mcp-config FILE`\n",
				j.Name, strings.Join(left, ", "), j.Name)
		}
	}
	return nil
}
