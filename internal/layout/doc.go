// Package layout has no code: its tests hold the tree to the import rules
// docs/DESIGN.md draws (what the release binary links, which packages are
// leaves, which command packages may import which). They read the import
// graph with `go list` and build nothing.
package layout
