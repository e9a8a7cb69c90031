package identity

import (
	"strings"
	"testing"
)

// Issue 22 §5 (was issue 11 item 3): a command line shown anywhere (auth
// list, status, cron logs, the gateway banner) is its program's name and
// "…", never its arguments: no list of secret shapes catches them all.
func TestDescribeCommandMasksSecrets(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`curl -s --header 'Authorization: token ghp_SENTINEL0123456789abcdef' https://idp/token`: "command `curl …`",
		`helper --token=SENTINELsecretvalue --audience https://api.anthropic.com`:                "command `helper …`",
		`helper -H "Bearer SENTINEL"`:                                            "command `helper …`",
		`helper ghp_SENTINEL0123456789`:                                          "command `helper …`",
		`env API_KEY=SENTINEL helper`:                                            "command `env …`",
		`API_KEY=SENTINEL helper`:                                                "command `…`",
		`/opt/idp/bin/get-token --pw hunter2SENTINEL`:                            "command `get-token …`",
		`sh -c 'curl -u me:SENTINEL https://idp/token'`:                          "command `sh …`",
		`gcloud auth print-identity-token --audiences=https://api.anthropic.com`: "command `gcloud …`",
		"\"help\x1b[2Jer\" SENTINEL":                                             "command `helper …`",
		"get-token":                                                              "command `get-token`",
		"'my helper' SENTINEL":                                                   "command `'my helper' …`",
		`ghp_SENTINEL0123456789 --flag`:                                          "command `…`",
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
