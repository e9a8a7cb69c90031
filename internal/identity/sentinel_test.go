package identity

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// Whatever the source and whatever goes wrong, the token never appears in
// an error: neither a refused one, nor one echoed by a server or a helper.
func TestNoErrorRevealsTheToken(t *testing.T) {
	doomed := signJWT(t, jose.HS256, "k", claimsWith(map[string]any{"jti": "SENTINEL-DOOMED"}))
	good := goodJWT(t)
	ctx := context.Background()

	echo := func(status int, field string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			if field == "raw" {
				w.Write([]byte(doomed))
				return
			}
			if field == "" {
				w.Write([]byte("token " + doomed + " and " + good + " rejected"))
				return
			}
			json.NewEncoder(w).Encode(map[string]string{field: doomed})
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	host := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

	cases := map[string]struct {
		cfg Config
		env map[string]string
	}{
		"file":           {Config{Source: SourceFile, Path: writeFile(t, "t", doomed)}, nil},
		"env":            {Config{Source: SourceEnv, Env: "TOK"}, map[string]string{"TOK": doomed}},
		"command output": {Config{Source: SourceCommand, Command: helperCommand(t, "print", doomed)}, nil},
		"command stderr": {Config{Source: SourceCommand, Command: helperCommand(t, "fail", good)}, nil},
		"github refused": {Config{Source: SourceGitHubActions}, map[string]string{
			"ACTIONS_ID_TOKEN_REQUEST_URL": echo(200, "value").URL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": requestToken}},
		"github echo": {Config{Source: SourceGitHubActions}, map[string]string{
			"ACTIONS_ID_TOKEN_REQUEST_URL": echo(500, "").URL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": requestToken}},
		"gcp refused":   {Config{Source: SourceGCPMetadata}, map[string]string{"GCE_METADATA_HOST": host(echo(200, "raw"))}},
		"gcp garbage":   {Config{Source: SourceGCPMetadata}, map[string]string{"GCE_METADATA_HOST": host(echo(200, ""))}},
		"gcp echo":      {Config{Source: SourceGCPMetadata}, map[string]string{"GCE_METADATA_HOST": host(echo(403, ""))}},
		"azure refused": {Config{Source: SourceAzureIMDS}, map[string]string{"HERMES_AZURE_IMDS_ENDPOINT": echo(200, "access_token").URL}},
		"azure echo":    {Config{Source: SourceAzureIMDS}, map[string]string{"HERMES_AZURE_IMDS_ENDPOINT": echo(400, "").URL}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := newTestSource(t, tc.cfg, Options{Getenv: mapEnv(tc.env)}).Token(ctx)
			if err == nil {
				t.Fatal("Token succeeded")
			}
			assertNoSecret(t, err, doomed, good, requestToken)
			if strings.Contains(err.Error(), "SENTINEL-DOOMED") {
				t.Errorf("error shows the token's claims: %v", err)
			}
		})
	}
}
