package cmdutil

import "github.com/spf13/cobra"

// offlineAnnotation marks a command that never makes an HTTP request.
const offlineAnnotation = "hermes/offline"

// MarkOffline marks cmd, and every command below it, as one that never
// makes an HTTP request, so the root does not refuse an invalid
// HERMES_HTTP_TIMEOUT for it: listing, removing and completing must work
// whatever the environment says about servers. Like gh's
// DisableAuthCheck, the mark lives with the command, not in a list of
// paths elsewhere; a command without it is checked.
func MarkOffline(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[offlineAnnotation] = "true"
	return cmd
}

// IsOffline reports whether cmd or a command above it is marked offline.
func IsOffline(cmd *cobra.Command) bool {
	for c := cmd; c != nil; c = c.Parent() {
		if c.Annotations[offlineAnnotation] == "true" {
			return true
		}
	}
	return false
}
