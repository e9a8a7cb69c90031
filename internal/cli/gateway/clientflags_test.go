package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	gw "github.com/hermes-agent/hermes/internal/gateway"
)

func TestAccessLogFormat(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l, err := accessLogger(&buf, "json", false)
	if err != nil {
		t.Fatal(err)
	}
	l.Info("gateway request", "status", 200)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["msg"] != "gateway request" {
		t.Fatalf("not a JSON line: %q %v", buf.String(), err)
	}
	var fe *cmdutil.FlagError
	if _, err := accessLogger(&buf, "xml", false); !errors.As(err, &fe) {
		t.Fatalf("--log-format xml: %v, want a usage error", err)
	}
}

func TestClientFlagsChecked(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{ClientAuth: gw.ClientAuth{Issuers: []string{"https://k8s.example"}, Subjects: []string{"*"}}}, "--client-audience"},
		{Options{ClientAuth: gw.ClientAuth{Issuers: []string{"https://k8s.example"}, Audiences: []string{"a"}}}, "--client-subject"},
		{Options{ClientAuth: gw.ClientAuth{Subjects: []string{"x"}}}, "--client-issuer"},
		{Options{Limits: gw.ClientLimits{RPM: -1}}, "negative"},
	} {
		err := checkClientFlags(&c.opts)
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want a usage error naming %s", c.opts.ClientAuth, err, c.want)
		}
	}
	ok := Options{ClientAuth: gw.ClientAuth{Issuers: []string{"https://k8s.example"}, Audiences: []string{"a"}, Subjects: []string{"system:serviceaccount:ns:*"}}}
	if err := checkClientFlags(&ok); err != nil {
		t.Errorf("valid flags refused: %v", err)
	}
}

// The help says what a shared gateway serves and how it stops, not only
// the key-based local use.
func TestHelpNamesClientAuthAndEndpoints(t *testing.T) {
	t.Parallel()
	long := NewCmd(&cmdutil.Factory{}).Long
	for _, want := range []string{"--client-issuer", "OIDC JWT", "/readyz", "/metrics", "429", "readiness turns false"} {
		if !strings.Contains(long, want) {
			t.Errorf("gateway --help lacks %q", want)
		}
	}
}
