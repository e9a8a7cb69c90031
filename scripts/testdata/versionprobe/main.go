// versionprobe is a small main package that scripts/build-image.sh can
// build in place of cmd/hermes (HERMES_BUILD_PACKAGE) so its test checks
// the static, trimmed, version-stamped build without compiling the whole
// tree a second time.
package main

import (
	"fmt"

	"github.com/hermes-agent/hermes/internal/cmdutil"
)

func main() { fmt.Println("hermes version", cmdutil.Version) }
