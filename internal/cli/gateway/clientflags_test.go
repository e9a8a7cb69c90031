package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
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

// --client-issuer-token-file is tied to one issuer: ISSUER=FILE, or a bare
// FILE only when a single --client-issuer leaves no doubt.
func TestIssuerTokenFilesArePerIssuer(t *testing.T) {
	t.Parallel()
	const a, b = "https://k8s.example", "https://token.actions.example"
	base := gw.ClientAuth{Audiences: []string{"aud"}, Subjects: []string{"*"}}
	for _, c := range []struct {
		issuers, files []string
		want           map[string]string
		err            string
	}{
		{[]string{a}, []string{"/t"}, map[string]string{a: "/t"}, ""},
		{[]string{a, b}, []string{a + "=/t"}, map[string]string{a: "/t"}, ""},
		{[]string{a, b}, []string{"/t"}, nil, "say which issuer"},
		{[]string{a}, []string{b + "=/t"}, nil, "not a --client-issuer"},
		{[]string{a}, []string{a + "="}, nil, "no file"},
		{[]string{a}, []string{"/dir/x=y"}, map[string]string{a: "/dir/x=y"}, ""},
	} {
		opts := Options{ClientAuth: base, IssuerTokenFiles: c.files}
		opts.ClientAuth.Issuers = c.issuers
		err := checkClientFlags(&opts)
		var fe *cmdutil.FlagError
		switch {
		case c.err != "" && (!errors.As(err, &fe) || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%v %v: %v, want a usage error with %q", c.issuers, c.files, err, c.err)
		case c.err == "" && (err != nil || !maps.Equal(opts.ClientAuth.TokenFiles, c.want)):
			t.Errorf("%v %v: %v %v, want %v", c.issuers, c.files, opts.ClientAuth.TokenFiles, err, c.want)
		}
	}
}
