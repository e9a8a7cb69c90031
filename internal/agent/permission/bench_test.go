package permission

import "testing"

// BenchmarkCheckBash is one bash permission decision on a typical CI
// command: parse, split, unwrap, match.
func BenchmarkCheckBash(b *testing.B) {
	p, _ := New(ModeDefault, []Rule{{Tool: ToolBash, Command: "go test", Prefix: true}, {Tool: ToolBash, Command: "timeout", Prefix: true}}, []Rule{{Tool: ToolBash, Command: "rm", Prefix: true}})
	const cmd = "set -euo pipefail; timeout 600 go test -race ./... 2>&1 | tee out.txt && [[ -f go.mod ]]"
	for b.Loop() {
		p.Check(ToolBash, cmd)
	}
}
