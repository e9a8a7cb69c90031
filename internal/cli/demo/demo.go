// Package demo implements `hermes demo`: the whole Workload Identity
// Federation flow on loopback, against the embedded OIDC issuer
// (internal/oidcstandin) and Anthropic stand-in (internal/anthropicstandin), in a
// temporary HERMES_HOME. No network, no setup, no credentials.
package demo

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// Options are the command's inputs.
type Options struct {
	IO *iostreams.IOStreams
	// Executable is the hermes binary each step runs (os.Executable).
	Executable func() (string, error)
	// Environ is the environment the steps start from, before ambient
	// credentials are removed (os.Environ).
	Environ func() []string
	// Now times the steps (time.Now).
	Now func() time.Time
	// TempDir is where the demo's directory is made ("": the system's).
	TempDir string

	// Keep leaves the temporary directory in place and says where it is.
	Keep bool
}

// NewCmd returns the `hermes demo` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IO, Executable: os.Executable, Environ: f.Environ, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "demo [--keep]",
		Short: "Run the whole WIF flow on loopback, no network needed",
		Long: `Run the whole Workload Identity Federation flow on loopback, against a
built-in OIDC issuer and a built-in stand-in for the Anthropic API, in a
temporary HERMES_HOME: add a WIF configuration, show the status, chat once,
chat again on the cached token, and call the API through the gateway with the
official SDK. Each step is a real hermes process. No network, no setup, and
your own ~/.hermes and credentials are not touched.

Exit status 0 when every step passed, 1 at the first that failed.

To try hermes by hand against the same stand-ins, run them on their own from
the source tree: go run ./internal/anthropicstandin/cmd/stand-in`,
		Example: `  hermes demo
  hermes demo --keep      # keep the temporary HERMES_HOME to look at`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Keep, "keep", false, "keep the temporary HERMES_HOME and token file")
	return cmd
}

// errFailed is returned after a failed step has been reported.
var errFailed = &cmdutil.ExitCodeError{Code: cmdutil.ExitError, Err: fmt.Errorf("demo failed"), Silent: true}
