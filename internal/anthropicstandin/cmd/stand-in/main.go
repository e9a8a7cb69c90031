// Command stand-in runs the OIDC issuer and the Anthropic stand-in as a
// standalone process, for trying hermes (or any SDK) by hand:
//
//	go run ./internal/anthropicstandin/cmd/stand-in [-api-key KEY] [-token-ttl 2s]
//
// It prints shell exports for the SDK's WIF variables and the workload
// endpoints, and writes a fresh JWT to the identity token file. JWTs are
// single-use: press Enter to write a new one. Ctrl-C stops it and prints
// the request log.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/hermes-agent/hermes/internal/anthropicstandin"
	"github.com/hermes-agent/hermes/internal/oidcstandin"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "stand-in:", err)
		os.Exit(1)
	}
}

func run() error {
	apiKey := flag.String("api-key", "", "an x-api-key value the stand-in accepts (none by default)")
	tokenTTL := flag.Duration("token-ttl", 0, "lifetime of minted access tokens (default: the SPEC formula)")
	dir := flag.String("dir", "", "directory for the identity token file (default: a new temporary one)")
	flag.Parse()

	iss, err := oidcstandin.Start()
	if err != nil {
		return err
	}
	defer iss.Close()
	cfg := anthropicstandin.Config{Issuer: iss, TokenTTL: *tokenTTL}
	if *apiKey != "" {
		cfg.APIKeys = []string{*apiKey}
	}
	srv, err := anthropicstandin.Start(cfg)
	if err != nil {
		return err
	}
	defer srv.Close()

	if *dir == "" {
		if *dir, err = os.MkdirTemp("", "hermes-stand-in-"); err != nil {
			return err
		}
		defer os.RemoveAll(*dir)
	}
	tokenFile := filepath.Join(*dir, "identity-token.jwt")
	writeJWT := func() error { return os.WriteFile(tokenFile, []byte(iss.Mint(oidcstandin.Claims{})+"\n"), 0o600) }
	if err := writeJWT(); err != nil {
		return err
	}

	ghaURL, ghaToken := iss.GitHubActions()
	fmt.Printf(`# hermes stand-ins on loopback. Enter: write a fresh JWT. Ctrl-C: stop.
export ANTHROPIC_BASE_URL=%s
export ANTHROPIC_FEDERATION_RULE_ID=%s
export ANTHROPIC_ORGANIZATION_ID=%s
export ANTHROPIC_IDENTITY_TOKEN_FILE=%s
export ACTIONS_ID_TOKEN_REQUEST_URL='%s'
export ACTIONS_ID_TOKEN_REQUEST_TOKEN=%s
export GCE_METADATA_HOST=%s
export HERMES_AZURE_IMDS_ENDPOINT=%s
# OIDC issuer (federation rule issuer): %s
`, srv.URL, anthropicstandin.DefaultRuleID, anthropicstandin.DefaultOrgID, tokenFile,
		ghaURL, ghaToken, iss.GCEMetadataHost(), iss.AzureIMDSEndpoint(), iss.URL)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	lines := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			lines <- struct{}{}
		}
	}()
	for {
		select {
		case <-lines:
			if err := writeJWT(); err != nil {
				return err
			}
			fmt.Println("# wrote a fresh JWT to", tokenFile)
		case <-stop:
			for _, r := range srv.Requests() {
				fmt.Printf("%s %s %s status=%d %s\n", r.Method, r.Path, r.AuthScheme, r.Status, r.RequestID)
			}
			for _, e := range srv.Exchanges() {
				fmt.Printf("exchange status=%d reason=%s sub=%s\n", e.Status, e.Reason, e.Subject)
			}
			return nil
		}
	}
}
