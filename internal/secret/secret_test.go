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

// Issue 11 item 2: gateway keys are masked by shape.
func TestRedactShapesGatewayKey(t *testing.T) {
	key := "hgw_SENTINELgatewaykey0123456789abcdefghijkl"
	got := RedactShapes("upstream said: bad key " + key)
	if strings.Contains(got, "SENTINEL") || !strings.Contains(got, "hgw_") {
		t.Fatalf("gateway key not masked: %q", got)
	}
}

// Issue 11 item 1: a value in play is masked whatever its shape, by every
// redaction, once remembered; and redaction happens before truncation.
func TestRememberedValuesAreRedactedEverywhere(t *testing.T) {
	defer Forget()
	v := "sk-litellm-SENTINELnotanthropicshaped"
	if got := RedactShapes("echo: " + v); !strings.Contains(got, "SENTINEL") {
		t.Fatalf("precondition: unknown shape should pass before Remember: %q", got)
	}
	Remember(v)
	for name, got := range map[string]string{
		"Redact":       Redact("echo: " + v),
		"RedactShapes": RedactShapes("echo: " + v),
		"Outside":      Outside("echo: " + v),
	} {
		if strings.Contains(got, "SENTINEL") {
			t.Errorf("%s kept the value in play: %q", name, got)
		}
	}
}

func TestOutsideRedactsBeforeCutting(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJTRU5USU5FTCJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
	// The JWT straddles the cut: cut first, and the header and payload
	// would be left with one dot.
	s := strings.Repeat("x", MaxOutsideText-30) + " " + jwt
	if got := Outside(s); strings.Contains(got, "eyJzdWIi") || strings.Contains(got, "eyJhbGci") {
		t.Fatalf("part of a JWT survived: %q", got)
	}
	// A JWT already cut short by the server is still recognised.
	if got := RedactShapes("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJTRU5U"); strings.Contains(got, "eyJzdWIi") {
		t.Fatalf("a cut JWT survived: %q", got)
	}
}

// Issue 11 item 4: userinfo in a URL is never shown.
func TestURLDropsUserinfo(t *testing.T) {
	defer Forget()
	cases := map[string]string{
		"https://api.anthropic.com":                "https://api.anthropic.com",
		"https://user:SENTINELpw@proxy.example/v1": "https://proxy.example/v1",
		"https://SENTINELtoken@proxy.example":      "https://proxy.example",
		"http://u:p%zzSENTINEL@[::1]:8080/x?a=b@c": "http://[::1]:8080/x?a=b@c",
		"not a url": "not a url",
	}
	for in, want := range cases {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Redact("error from https://user:SENTINELpw@proxy.example"); strings.Contains(got, "SENTINELpw") {
		t.Errorf("the URL's password is not remembered: %s", got)
	}
}
