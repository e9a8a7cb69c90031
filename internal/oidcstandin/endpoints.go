package oidcstandin

import (
	"encoding/json"
	"math/big"
	"net/http"
	"strconv"
)

const (
	discoveryPath = "/.well-known/openid-configuration"
	jwksPath      = "/.well-known/jwks"
	ghaPath       = "/_apis/distributedtask/idtoken"
	gcpPath       = "/computeMetadata/v1/instance/service-accounts/default/identity"
	azurePath     = "/metadata/identity/oauth2/token"

	// Subjects of the JWTs the workload endpoints mint, shaped like the real ones.
	GCPSubject   = "112233445566778899000"
	AzureSubject = "6f0c8a1e-1d2b-4c3d-9e8f-0a1b2c3d4e5f"
	// GitHubDefaultAudience is what GitHub mints when no audience is asked for.
	GitHubDefaultAudience = "https://github.com/hermes-agent"
)

func (i *Issuer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+discoveryPath, i.serveDiscovery)
	mux.HandleFunc("GET "+jwksPath, i.serveJWKS)
	mux.HandleFunc("GET "+ghaPath, i.serveGitHubActions)
	mux.HandleFunc("GET "+gcpPath, i.serveGCP)
	mux.HandleFunc("GET "+azurePath, i.serveAzure)
	return mux
}

func (i *Issuer) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	i.recordMetadata(r)
	jwksURI := i.jwksURI
	if jwksURI == "" {
		jwksURI = i.URL + jwksPath
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                i.URL,
		"jwks_uri":                              jwksURI,
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_supported":                      []string{"sub", "aud", "exp", "iat", "iss", "jti", "nbf"},
	})
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	i.recordMetadata(r)
	i.jwksRequests.Add(1)
	var keys []map[string]any
	for _, k := range i.published() {
		keys = append(keys, map[string]any{
			"kty": "RSA",
			"alg": "RS256",
			"use": "sig",
			"kid": k.kid,
			"n":   b64(k.key.N.Bytes()),
			"e":   b64(big.NewInt(int64(k.key.E)).Bytes()),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

// serveGitHubActions emulates the ACTIONS_ID_TOKEN_REQUEST_URL endpoint:
// "Authorization: bearer <request token>" → {"count":N,"value":jwt}.
func (i *Issuer) serveGitHubActions(w http.ResponseWriter, r *http.Request) {
	aud := r.URL.Query().Get("audience")
	if r.Header.Get("Authorization") != "bearer "+i.requestToken && r.Header.Get("Authorization") != "Bearer "+i.requestToken {
		i.record(EndpointRequest{Route: "github-actions", Audience: aud, Status: http.StatusUnauthorized})
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials"})
		return
	}
	if aud == "" {
		aud = GitHubDefaultAudience
	}
	i.record(EndpointRequest{Route: "github-actions", Audience: aud, Status: http.StatusOK})
	jwt := i.Mint(Claims{Audience: []string{aud}, Extra: map[string]any{
		"repository": "hermes-agent/hermes", "ref": "refs/heads/main", "runner_environment": "github-hosted",
	}})
	writeJSON(w, http.StatusOK, map[string]any{"count": 1, "value": jwt})
}

// serveGCP emulates the metadata server's identity endpoint: the raw JWT
// as text/html, only with "Metadata-Flavor: Google".
func (i *Issuer) serveGCP(w http.ResponseWriter, r *http.Request) {
	aud := r.URL.Query().Get("audience")
	status := http.StatusOK
	var body string
	switch {
	case r.Header.Get("Metadata-Flavor") != "Google":
		status, body = http.StatusForbidden, "Missing required header \"Metadata-Flavor\": \"Google\"\n"
	case aud == "":
		status, body = http.StatusBadRequest, "non-empty audience parameter required\n"
	default:
		body = i.Mint(Claims{Subject: GCPSubject, Audience: []string{aud}, TTL: DefaultTTL * 12, Extra: map[string]any{
			"azp": GCPSubject, "email": "hermes@hermes-test.iam.gserviceaccount.com", "email_verified": true,
		}})
	}
	i.record(EndpointRequest{Route: "gcp-metadata", Audience: aud, Status: status})
	w.Header().Set("Metadata-Flavor", "Google")
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// serveAzure emulates IMDS's managed-identity token endpoint, which needs
// "Metadata: true", an api-version and a resource; numbers come as strings.
func (i *Issuer) serveAzure(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	aud := q.Get("resource")
	fail := func(status int, code, desc string) {
		i.record(EndpointRequest{Route: "azure-imds", Audience: aud, Status: status})
		writeJSON(w, status, map[string]any{"error": code, "error_description": desc})
	}
	switch {
	case r.Header.Get("Metadata") != "true":
		fail(http.StatusBadRequest, "invalid_request", "Required metadata header not specified")
		return
	case q.Get("api-version") == "":
		fail(http.StatusBadRequest, "invalid_request", "Required query variable 'api-version' is missing")
		return
	case aud == "":
		fail(http.StatusBadRequest, "invalid_request", "Required audience variable 'resource' is missing")
		return
	}
	i.record(EndpointRequest{Route: "azure-imds", Audience: aud, Status: http.StatusOK})
	now := i.now()
	ttl := DefaultTTL * 12
	jwt := i.Mint(Claims{Subject: AzureSubject, Audience: []string{aud}, IssuedAt: now, TTL: ttl, Extra: map[string]any{
		"oid": AzureSubject, "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47",
	}})
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":   jwt,
		"client_id":      "0d5e0c6a-4f3b-4a2e-9c1d-7e8f9a0b1c2d",
		"expires_in":     strconv.Itoa(int(ttl.Seconds())),
		"expires_on":     strconv.FormatInt(now.Add(ttl).Unix(), 10),
		"ext_expires_in": strconv.Itoa(int(ttl.Seconds())),
		"not_before":     strconv.FormatInt(now.Unix(), 10),
		"resource":       aud,
		"token_type":     "Bearer",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
