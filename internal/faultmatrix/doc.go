// Package faultmatrix holds only tests: every user path of the real hermes
// (this test binary re-executed as hermes through internal/hermestest: no
// separate build) against each
// fault of the anthropictest stand-in, on the token endpoint and on the API
// (issue 17 item 2). Per cell: the exit code or HTTP status, that the
// message names the real cause, that retries are bounded and follow
// retry-after (counted at the stand-in), and that nothing stored under
// HERMES_HOME was lost or half-written. Plus a read-only HERMES_HOME, a
// full disk and a clock skewed ±5 minutes.
//
// `go test ./internal/faultmatrix/` runs a fast subset (four cells, see
// inSubset); the full matrix (~200 cells, a few minutes on 2 shared cores):
//
//	go test -tags faults -count=1 ./internal/faultmatrix/
package faultmatrix
