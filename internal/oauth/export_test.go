package oauth

import "testing"

// ForgetSpent drops what this process knows of the refresh tokens it sent,
// as a new process would know nothing.
func ForgetSpent(t *testing.T, _ string) {
	t.Helper()
	spentTokens.Lock()
	defer spentTokens.Unlock()
	for k := range spentTokens.m {
		delete(spentTokens.m, k)
	}
}
