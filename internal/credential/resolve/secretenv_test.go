package resolve

import (
	"slices"
	"testing"
)

func TestSecretEnvNamesTheCredentialVariable(t *testing.T) {
	t.Parallel()
	r := &Resolver{Home: t.TempDir(), Credential: "env:MY_PROXY_KEY", Getenv: func(string) string { return "" }}
	if got := r.SecretEnv(); !slices.Contains(got, "MY_PROXY_KEY") {
		t.Errorf("SecretEnv() = %v, want MY_PROXY_KEY", got)
	}
	r.Credential = ""
	if got := r.SecretEnv(); len(got) != 0 {
		t.Errorf("SecretEnv() without a configuration = %v", got)
	}
}
