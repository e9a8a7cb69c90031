package apiclient

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/hermes-agent/hermes/internal/credential"
)

// closedURL is a loopback base URL nothing listens on (connection refused).
func closedURL(t *testing.T, userinfo string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + userinfo + addr
}

// An API that cannot be reached is an *UnreachableError saying which
// request, which base URL (without its userinfo) and what to check, not
// Go's bare `Get "URL": dial tcp …`; no secret in play shows.
func TestNewClientUnreachable(t *testing.T) {
	t.Parallel()
	const key = "sk-ant-api03-SENTINEL-unreachable-9d1e"
	base := closedURL(t, "bob:hunter2-proxy-password@")
	rt := credential.NewStaticRuntime(base, credential.ModeAPIKey, credential.KindAPIKey, "test", key)
	client := New(rt, option.WithMaxRetries(0))
	_, err := client.Models.List(context.Background(), anthropic.ModelListParams{})
	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %T %v, want *UnreachableError", err, err)
	}
	msg := err.Error()
	want := base[:len("http://")] + base[strings.Index(base, "@")+1:]
	for _, s := range []string{"GET /v1/models: cannot reach the Anthropic API at " + want + ": ", "connection refused", "check the base URL", "ANTHROPIC_BASE_URL", "proxy"} {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q lacks %q", msg, s)
		}
	}
	for _, s := range []string{key, "hunter2", `Get "`} {
		if strings.Contains(msg, s) {
			t.Errorf("error %q shows %q", msg, s)
		}
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("error %v does not unwrap to the transport's cause", err)
	}
}

// A cancelled request stays a cancellation (an interrupt, exit 130).
func TestNewClientCancelledIsNotUnreachable(t *testing.T) {
	t.Parallel()
	rt := credential.NewStaticRuntime(closedURL(t, ""), credential.ModeAPIKey, credential.KindAPIKey, "test", "sk-ant-api03-unused-unused-1")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	client := New(rt, option.WithMaxRetries(0))
	_, err := client.Models.List(ctx, anthropic.ModelListParams{})
	var ue *UnreachableError
	if errors.As(err, &ue) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %T %v, want context.Canceled", err, err)
	}
}
