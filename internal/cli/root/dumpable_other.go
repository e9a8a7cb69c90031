//go:build !linux

package root

// undumpable is Linux's; elsewhere a child's ptrace or /proc access
// follows the system's own rules.
func undumpable() error { return nil }
