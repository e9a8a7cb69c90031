//go:build !faults

package faultmatrix

// fullMatrix: with -tags faults every cell runs; without, the fast subset.
const fullMatrix = false
