package resolve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// loadProfile reads an SDK profile as config.LoadProfile does (the same
// file, checks and messages), but fills the fields the profile omits from
// r.getenv. config.LoadProfile fills them from the process environment,
// which would bypass an injected Getenv (tests, the demo, cron jobs).
func (r *Resolver) loadProfile(dir, name string) (*config.Config, error) {
	if err := validProfileName(name); err != nil {
		return nil, fmt.Errorf("invalid profile %q: %w", name, err)
	}
	path := config.ProfilePath(dir, name)
	// Regular files only, without blocking: a FIFO must not hang status.
	// The same StrictModes as HERMES_HOME (the config dir, configs/ and
	// the file, none writable by others): a profile others can write
	// could point hermes at their identity token or base URL.
	data, err := fsutil.ReadPrivateFileUnder(dir, path, 1<<20)
	if errors.Is(err, fsutil.ErrNotPrivate) {
		return nil, err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no SDK profile %q: %s does not exist", name, path)
	}
	if err != nil {
		// The path once: os's PathError would repeat it.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("failed to read config file %q: %w", path, err)
	}
	var cfg config.Config
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("failed to parse config file %q: %w", path, err)
	}
	if cfg.AuthenticationInfo == nil {
		return nil, fmt.Errorf("config file %q is missing authentication", path)
	}
	if cfg.AuthenticationInfo.CredentialsPath == "" {
		cfg.AuthenticationInfo.CredentialsPath = config.ProfileCredentialsPath(dir, name)
	}
	r.fillProfileFromEnv(&cfg)
	return &cfg, nil
}

// fillProfileFromEnv is the SDK's rule: a variable fills a field the
// profile omits, never overrides one it sets; an empty variable is unset.
func (r *Resolver) fillProfileFromEnv(cfg *config.Config) {
	fill := func(field *string, name string) {
		if *field == "" {
			*field = r.getenv(name)
		}
	}
	fill(&cfg.BaseURL, "ANTHROPIC_BASE_URL")
	fill(&cfg.OrganizationID, "ANTHROPIC_ORGANIZATION_ID")
	fill(&cfg.WorkspaceID, "ANTHROPIC_WORKSPACE_ID")
	fed := cfg.AuthenticationInfo.OIDCFederation
	if cfg.AuthenticationInfo.Type != config.AuthenticationTypeOIDCFederation || fed == nil {
		return
	}
	fill(&fed.FederationRuleID, "ANTHROPIC_FEDERATION_RULE_ID")
	fill(&fed.ServiceAccountID, "ANTHROPIC_SERVICE_ACCOUNT_ID")
	if fed.IdentityToken == nil {
		if p := r.getenv("ANTHROPIC_IDENTITY_TOKEN_FILE"); p != "" {
			fed.IdentityToken = &config.IdentityTokenConfig{Source: config.IdentityTokenSourceFile, Path: p}
		}
	}
}

// validProfileName is the SDK's rule for profile names: they become file
// names, so no separators, no "." or "..", only letters, digits, _ . -.
func validProfileName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("profile name is empty")
	case name == "." || name == "..":
		return fmt.Errorf("profile name %q is not allowed", name)
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("profile name %q must not contain path separators", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return fmt.Errorf("profile name %q contains disallowed characters (allowed: letters, digits, '_', '.', '-')", name)
		}
	}
	return nil
}
