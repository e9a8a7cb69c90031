package chatcore

import "strings"

// MisalignedHelpRows returns the rows of help (HelpText's output) whose
// description does not start in the column every row shares: two spaces,
// the key or command in 19 columns, a space. Headings are skipped. Each
// front end's test checks its own keys with it.
func MisalignedHelpRows(help string) []string {
	var bad []string
	for _, line := range strings.Split(help, "\n") {
		if !strings.HasPrefix(line, "  ") {
			continue // a heading
		}
		if len(line) < 23 || line[21] != ' ' || line[22] == ' ' {
			bad = append(bad, line)
		}
	}
	return bad
}
