package gateway

import (
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
	fl.StringVar(&opts.ClientAuth.TokenFile, "client-issuer-token-file", "", "bearer token file sent to the issuer when fetching its keys (e.g. the pod's service-account token)")
	fl.IntVar(&opts.Limits.MaxStreams, "client-max-streams", 0, "most concurrent requests per client (0: no limit; over it: 429)")
	fl.IntVar(&opts.Limits.RPM, "client-rpm", 0, "most requests per minute per client (0: no limit; over it: 429 with retry-after)")
}

// checkClientFlags reports flag combinations that cannot work as usage errors.
func checkClientFlags(opts *Options) error {
	if opts.Limits.MaxStreams < 0 || opts.Limits.RPM < 0 {
		return cmdutil.FlagErrorf("--client-max-streams and --client-rpm must not be negative")
	}
	if err := opts.ClientAuth.Validate(); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	return nil
}
