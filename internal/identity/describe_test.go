package identity

import (
	"strings"
	"testing"
)

// Issue 11 item 3: a command line shown anywhere (auth list, status, cron
// logs, the gateway banner) keeps the program and masks what looks secret.
func TestDescribeCommandMasksSecrets(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`curl -s --header 'Authorization: token ghp_SENTINEL0123456789abcdef' https://idp/token`: "command `curl -s --header *** https://idp/token`",
		`helper --token=SENTINELsecretvalue --audience https://api.anthropic.com`:                "command `helper --token=*** --audience https://api.anthropic.com`",
		`helper -H "Bearer SENTINEL"`:                                            "command `helper -H ***`",
		`helper ghp_SENTINEL0123456789`:                                          "command `helper ***`",
		`helper aB3dE5gH7jK9mN1pQ3sT5vX7zSENTINEL`:                               "command `helper ***`",
		`env API_KEY=SENTINEL helper`:                                            "command `env API_KEY=*** helper`",
		`gcloud auth print-identity-token --audiences=https://api.anthropic.com`: "command `gcloud auth print-identity-token --audiences=https://api.anthropic.com`",
		"helper \x1b[2Jlabel":                                                    "command `helper label`",
		`helper https://user:SENTINEL@idp.example/token`:                         "command `helper ***`",
	}
	for in, want := range cases {
		got := DescribeCommand(in)
		if got != want {
			t.Errorf("DescribeCommand(%q)\n got %s\nwant %s", in, got, want)
		}
		if strings.Contains(got, "SENTINEL") {
			t.Errorf("secret shown: %s", got)
		}
		if d := (Config{Source: SourceCommand, Command: in}).Describe(); d != got {
			t.Errorf("Config.Describe differs: %s", d)
		}
	}
}
