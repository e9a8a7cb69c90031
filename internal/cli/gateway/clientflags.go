package gateway

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// addClientFlags adds the workload-identity client flags: clients present
// their own OIDC JWT (a Kubernetes service-account token, a GitHub Actions
// token) instead of the shared gateway key.
func addClientFlags(cmd *cobra.Command, opts *Options) {
	fl := cmd.Flags()
	fl.StringVar(&opts.LogFormat, "log-format", "text", "access log format: text or json")
	fl.StringArrayVar(&opts.ClientAuth.Issuers, "client-issuer", nil, "accept client JWTs from this OIDC issuer (repeatable; keys from its discovery document)")
	fl.StringArrayVar(&opts.ClientAuth.Audiences, "client-audience", nil, "a client JWT's aud must include one of these (repeatable)")
	fl.StringArrayVar(&opts.ClientAuth.Subjects, "client-subject", nil, "a client JWT's sub must match one of these globs, e.g. 'system:serviceaccount:team-a:*' (repeatable)")
	fl.StringVar(&opts.ClientAuth.CAFile, "client-issuer-ca-file", "", "PEM roots for the issuer's TLS certificate (e.g. the cluster CA)")
	fl.StringArrayVar(&opts.IssuerTokenFiles, "client-issuer-token-file", nil, "[ISSUER=]FILE: bearer token sent to that issuer's origin only when fetching its keys (e.g. the pod's service-account token); ISSUER= may be left out with one --client-issuer")
	fl.IntVar(&opts.Limits.MaxStreams, "client-max-streams", 0, "most concurrent requests per client (0: no limit; over it: 429)")
	fl.IntVar(&opts.Limits.RPM, "client-rpm", 0, "most requests per minute per client (0: no limit; over it: 429 with retry-after)")
}

// checkClientFlags reports flag combinations that cannot work as usage errors.
func checkClientFlags(opts *Options) error {
	if opts.Limits.MaxStreams < 0 || opts.Limits.RPM < 0 {
		return cmdutil.FlagErrorf("--client-max-streams and --client-rpm must not be negative")
	}
	files, err := issuerTokenFiles(opts.IssuerTokenFiles, opts.ClientAuth.Issuers)
	if err != nil {
		return err
	}
	opts.ClientAuth.TokenFiles = files
	if err := opts.ClientAuth.Validate(); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	return nil
}

// issuerTokenFiles reads --client-issuer-token-file values: ISSUER=FILE
// ties a token to one issuer; a bare FILE is allowed with a single
// --client-issuer only, so a token never goes to an issuer it was not
// meant for.
func issuerTokenFiles(values, issuers []string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	files := map[string]string{}
	for _, v := range values {
		iss, file, named := strings.Cut(v, "=")
		if !named || !(strings.HasPrefix(iss, "https://") || strings.HasPrefix(iss, "http://")) {
			iss, file = "", v
		}
		if iss == "" {
			if len(issuers) != 1 {
				return nil, cmdutil.FlagErrorf("--client-issuer-token-file %s: with %d --client-issuer flags, say which issuer the token is for: --client-issuer-token-file ISSUER=FILE", file, len(issuers))
			}
			iss = issuers[0]
		}
		if !slices.Contains(issuers, iss) {
			return nil, cmdutil.FlagErrorf("--client-issuer-token-file %s=…: %q is not a --client-issuer (name it exactly as given there)", iss, iss)
		}
		if file == "" {
			return nil, cmdutil.FlagErrorf("--client-issuer-token-file %s=: no file after the =", iss)
		}
		if prev, dup := files[iss]; dup && prev != file {
			return nil, cmdutil.FlagErrorf("--client-issuer-token-file: two token files for %s", iss)
		}
		files[iss] = file
	}
	return files, nil
}
