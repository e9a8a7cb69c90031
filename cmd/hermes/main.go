// Command hermes is a command-line agent for Claude with first-class
// Workload Identity Federation and a credential broker.
package main

import (
	"os"

	"github.com/hermes-agent/hermes/internal/cli/root"
)

func main() {
	os.Exit(root.Main(os.Args[1:]))
}
