package secret

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMask(t *testing.T) {
	cases := map[string]string{
		"": "",
		"sk-ant-api03-abcdefghijklmnopqrstuvwxyz":  "sk-ant-api03-abc…xyz",
		"sk-ant-oat01-0123456789abcdef":            "sk-ant-oat01-012…def",
		"sk-ant-api03-short":                       "sk-ant-api03-…",
		"tiny":                                     "…",
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

func TestOutsideMasksShapesAndBounds(t *testing.T) {
	known := "hunter2-known-secret"
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
	key := "sk-ant-oat01-SENTINELunknowntoken"
	got := Outside("server said:\n  "+known+" "+jwt+" "+key+"\n", known)
	for _, leak := range []string{known, jwt, "SENTINEL", "\n"} {
		if strings.Contains(got, leak) {
			t.Errorf("Outside kept %q: %q", leak, got)
		}
	}
	long := Outside(strings.Repeat("é", MaxOutsideText))
	if len(long) > MaxOutsideText+len("…") || !strings.HasSuffix(long, "…") || !utf8.ValidString(long) {
		t.Errorf("Outside did not cut cleanly: %d bytes, valid %v", len(long), utf8.ValidString(long))
	}
}
