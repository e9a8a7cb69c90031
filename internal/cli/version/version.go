// Package version implements `hermes version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// NewCmd returns the `hermes version` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.MarkOffline(&cobra.Command{
		Use:   "version",
		Short: "Print the hermes version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(f.IO.Out, "hermes %s (%s, %s/%s)\n", cmdutil.BuildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	})
}
