package secret

import (
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	cases := map[string]string{
		"":                                        "",
		"sk-ant-api03-abcdefghijklmnopqrstuvwxyz": "sk-ant-api03-abc…xyz",
		"sk-ant-oat01-0123456789abcdef":           "sk-ant-oat01-012…def",
		"sk-ant-api03-short":                      "sk-ant-api03-…",
		"tiny":                                    "…",
		"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig": "eyJ…(JWT, 40 bytes)",
	}
	for in, want := range cases {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	key := "sk-ant-api03-SENTINELsecretvalue123"
	got := Redact("error: key "+key+" refused", key)
	if strings.Contains(got, "SENTINEL") {
		t.Fatalf("secret leaked: %s", got)
	}
}
