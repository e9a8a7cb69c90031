// Package faultmatrix holds only tests: the real hermes binary run against
// each fault of the anthropictest stand-in (issue 17 item 2). Run:
//
//	go test -tags faults -count=1 ./internal/faultmatrix/
//
// It is behind a build tag: it runs the real binary ~40 times and took
// minutes on the loaded 2-core machine, too long for .ci/run.
package faultmatrix
