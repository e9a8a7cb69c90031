package add

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/identity"
)

// maxTries is how often a question is re-asked before the answer's error
// ends the command (a script feeding bad answers must not loop forever).
const maxTries = 5

// Placeholders that pass validation, to check one ID at a time.
const (
	validRuleID = "fdrl_0"
	validOrgID  = "00000000-0000-0000-0000-000000000000"
)

// Per-question checks, run as soon as the answer is given.
var (
	checkRuleID = func(v string) error { return authstore.ValidateWIFIDs(v, validOrgID, "", "") }
	checkOrgID  = func(v string) error { return authstore.ValidateWIFIDs(validRuleID, v, "", "") }
	checkSvac   = func(v string) error { return authstore.ValidateWIFIDs(validRuleID, validOrgID, v, "") }
	checkWs     = func(v string) error { return authstore.ValidateWIFIDs(validRuleID, validOrgID, "", v) }
	checkEnv    = func(v string) error {
		return identity.Config{Source: identity.SourceEnv, Env: v}.Validate()
	}
	checkCommand = func(v string) error {
		if v == "" {
			return errors.New("the command is missing")
		}
		return nil
	}
)

// askValid asks question until check accepts the answer, saying at once
// what is wrong with a bad one. confirm, when set, lets the user keep an
// answer check refused, but only explicitly: the bad answer is re-asked
// with the warning and confirm, and kept only when the next answer is
// useAnyway (a token file CI writes later).
func (o *Options) askValid(ctx context.Context, question string, check func(string) error, confirm string) (string, error) {
	var last string
	var err error
	for range maxTries {
		var v string
		v, err = o.Prompter.Input(ctx, question)
		if err != nil {
			return "", err
		}
		if confirm != "" && last != "" && strings.EqualFold(strings.TrimSpace(v), useAnyway) {
			return last, nil
		}
		if err = check(v); err == nil {
			return v, nil
		}
		last = ""
		fmt.Fprintf(o.IO.ErrOut, "  ✗ %v\n", err)
		if confirm != "" && v != "" {
			last = v
			fmt.Fprintf(o.IO.ErrOut, "  %s\n", confirm)
		}
	}
	return "", err
}

// useAnyway is the answer that keeps a value a check refused.
const useAnyway = "use it anyway"

// checkTokenFile refuses a path with no file behind it yet, or whose file
// holds a token hermes would refuse at exchange time.
func checkTokenFile(v string) error {
	if v == "" {
		return errors.New("the path is missing")
	}
	abs, err := filepath.Abs(v)
	if err != nil {
		return err
	}
	fi, err := os.Stat(abs)
	switch {
	case err != nil:
		return fmt.Errorf("no file at %s", abs)
	case fi.IsDir():
		return fmt.Errorf("%s is a directory, not a token file", abs)
	}
	if errs := identity.Errors(identity.CheckFile(abs, time.Now())); len(errs) > 0 {
		return &identity.TokenError{Source: "file " + abs, Findings: errs}
	}
	return nil
}

// sourceMenu is offered on a terminal when no identity token source was given.
var sourceMenu = []struct{ kind, label, question string }{
	{identity.SourceFile, "a file the platform writes (Kubernetes projected token, CI-written file)", "Path of the identity token file: "},
	{identity.SourceEnv, "an environment variable", "Name of the environment variable: "},
	{identity.SourceGitHubActions, "GitHub Actions (requested when needed)", ""},
	{identity.SourceGCPMetadata, "GCP metadata server", ""},
	{identity.SourceAzureIMDS, "Azure IMDS (managed identity)", ""},
	{identity.SourceCommand, "a command that prints the token", "Command (CMD ARGS): "},
}

// askMissingWIF asks for what the flags left out, on a terminal.
func askMissingWIF(ctx context.Context, opts *Options) error {
	wf := &opts.WIF
	ask := func(dst *string, question string, check func(string) error, confirm ...string) error {
		if *dst != "" {
			return nil
		}
		v, err := opts.askValid(ctx, question, check, append(confirm, "")[0])
		*dst = v
		return err
	}
	if err := ask(&wf.RuleID, "Federation rule ID (fdrl_…): ", checkRuleID); err != nil {
		return err
	}
	if err := ask(&wf.OrgID, "Organization ID (UUID): ", checkOrgID); err != nil {
		return err
	}
	if !opts.given("service-account-id") {
		if err := ask(&wf.ServiceAccountID, "Service account ID (svac_…, Enter for none): ", checkSvac); err != nil {
			return err
		}
	}
	if !opts.given("workspace-id") {
		if err := ask(&wf.WorkspaceID, "Workspace ID (wrkspc_… or default, Enter for none): ", checkWs); err != nil {
			return err
		}
	}
	if wf.TokenFile != "" || wf.TokenEnv != "" || wf.TokenSource != "" || wf.TokenCommand != "" {
		return nil
	}
	labels := make([]string, len(sourceMenu))
	for i, s := range sourceMenu {
		labels[i] = s.label
	}
	i, err := opts.Prompter.Select(ctx, "Where does the workload's OIDC identity token come from?", labels)
	if err != nil {
		return err
	}
	switch s := sourceMenu[i]; s.kind {
	case identity.SourceFile:
		return ask(&wf.TokenFile, s.question, checkTokenFile, `Enter another path, or "`+useAnyway+`" to keep this one (a file written later, e.g. by CI).`)
	case identity.SourceEnv:
		return ask(&wf.TokenEnv, s.question, checkEnv)
	case identity.SourceCommand:
		return ask(&wf.TokenCommand, s.question, checkCommand)
	default:
		wf.TokenSource = s.kind
		return nil
	}
}

func (o *Options) given(flag string) bool { return slices.Contains(o.setFlags, flag) }
