package cmdutil

import (
	"fmt"

	"github.com/spf13/cobra"
)

// NotBuilt is a placeholder for a command the spec names that this version
// does not implement yet: it says so and exits 1, with no fake output.
func NotBuilt(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:                use,
		Short:              short + " (not built yet)",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return fmt.Errorf("hermes %s: %w", cmd.Name(), ErrNotBuilt)
		},
	}
}
