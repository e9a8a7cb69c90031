package add

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/hermes-agent/hermes/internal/apiclient"
	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/exitcode"
	"github.com/hermes-agent/hermes/internal/prompt"
	"github.com/hermes-agent/hermes/internal/secret"
)

// addAPIKey stores an API key in the pool: from --api-key, else a hidden
// prompt on a terminal, else one line of stdin.
func addAPIKey(ctx context.Context, opts *Options) error {
	key, source, err := readAPIKey(ctx, opts)
	if err != nil {
		return err
	}
	if err := checkAPIKey(key); err != nil {
		return err
	}
	if !strings.HasPrefix(key, "sk-ant-") {
		if !opts.Force {
			return cmdutil.FlagErrorf("%s does not look like an Anthropic API key (sk-ant-api03-…): check what you pasted, or pass --force to store it anyway (e.g. a key of a compatible gateway)", secret.Mask(key))
		}
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s does not look like an Anthropic API key (sk-ant-api03-…); storing it anyway (--force)\n", secret.Mask(key))
	}
	if opts.Check {
		if err := checkKeyBeforeStoring(ctx, opts, key); err != nil {
			return err
		}
	}
	store, err := openStore(opts)
	if err != nil {
		return err
	}
	var (
		added     authstore.Entry
		duplicate *authstore.Target
		wif       *authstore.WIF
		relabeled string // the duplicate's label before --label renamed it
	)
	err = store.Update(ctx, func(f *authstore.File) error {
		wif = f.WIF()
		for _, t := range f.Targets() {
			if t.Entry != nil && t.Entry.AuthType == authstore.AuthTypeAPIKey && t.Entry.APIKey == key {
				duplicate = &t
				if opts.Label == "" || opts.Label == t.Entry.Label {
					return errUnchanged
				}
				// The key is there: --label renames it (said below).
				if other, ok := f.LabelInUse(opts.Label); ok {
					return cmdutil.FlagErrorf("this API key is already stored as %s, and the label %q is used by %s: choose another label", t.Describe(), opts.Label, other.Describe())
				}
				relabeled = t.Entry.Label
				pool := f.CredentialPool[authstore.ProviderAnthropic]
				for i := range pool {
					if pool[i].ID == t.ID {
						pool[i].Label = opts.Label
					}
				}
				return nil
			}
		}
		if t, ok := f.LabelInUse(opts.Label); ok {
			return cmdutil.FlagErrorf("the label %q is already used by %s: choose another label, or remove that one first ('hermes auth remove %s')", opts.Label, t.Describe(), t.ID)
		}
		var addErr error
		added, addErr = f.AddEntry(authstore.Entry{
			Label:    opts.Label,
			AuthType: authstore.AuthTypeAPIKey,
			Source:   source,
			APIKey:   key,
			BaseURL:  opts.BaseURL,
			AddedAt:  opts.Now().UTC(),
		})
		return addErr
	})
	if duplicate != nil && err == nil {
		was := "no label"
		if relabeled != "" {
			was = fmt.Sprintf("label %q", relabeled)
		}
		fmt.Fprintf(opts.IO.Out, "This API key (%s) is already stored as %s; its label is now %q (was %s).\n", secret.Mask(key), duplicate.ID, opts.Label, was)
		return nil
	}
	if duplicate != nil && errors.Is(err, errUnchanged) {
		fmt.Fprintf(opts.IO.Out, "This API key (%s) is already stored as %s; nothing changed.\n", secret.Mask(key), duplicate.Describe())
		return nil
	}
	if err != nil {
		return err
	}
	desc := added.ID
	if added.Label != "" {
		desc += fmt.Sprintf(", label %q", added.Label)
	}
	fmt.Fprintf(opts.IO.Out, "Added Anthropic API key %s (%s) to %s\n", secret.Mask(key), desc, store.Path())
	if wif == nil {
		fmt.Fprintln(opts.IO.ErrOut, "hermes now uses this key (the newest pool entry is tried first; 'hermes auth switch TARGET' changes that)")
	}
	if wif != nil {
		fmt.Fprintf(opts.IO.ErrOut, "note: the configured Workload Identity Federation (anthropic-wif) is used first; pass --credential %s to use this key\n", added.ID)
	}
	return nil
}

// errUnchanged aborts an Update that has nothing to write.
var errUnchanged = errors.New("unchanged")

func readAPIKey(ctx context.Context, opts *Options) (key, source string, err error) {
	switch {
	case opts.APIKey != "":
		return strings.TrimSpace(opts.APIKey), "flag", nil
	case opts.IO.IsStdinTTY():
		key, err = opts.Prompter.Password(ctx, "Paste your Anthropic API key (input is hidden): ")
		source = "prompt"
	default:
		key, err = prompt.ReadLineContext(ctx, opts.IO.In)
		source = "stdin"
	}
	if errors.Is(err, prompt.ErrNoInput) || (err == nil && key == "") {
		return "", "", &cmdutil.FlagError{Err: errNoInput}
	}
	return key, source, err
}

// checkAPIKey refuses values that cannot be an API key, without echoing them.
func checkAPIKey(key string) error {
	if strings.IndexFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return cmdutil.FlagErrorf("the API key contains spaces or control characters: paste the key alone (one line)")
	}
	for _, p := range []string{"sk-ant-oat01-", "sk-ant-ort01-"} {
		if strings.HasPrefix(key, p) {
			return cmdutil.FlagErrorf("%s is an OAuth token, not an API key: it expires and is sent as a bearer token; use an API key (sk-ant-api03-…) or --type wif", secret.Mask(key))
		}
	}
	if strings.HasPrefix(key, "eyJ") {
		return cmdutil.FlagErrorf("this is a JWT, not an API key: to use an OIDC identity token, add Workload Identity Federation with --type wif")
	}
	return nil
}

// checkKeyBeforeStoring makes one cheap API call with the key and says so;
// a refused key is not stored.
func checkKeyBeforeStoring(ctx context.Context, opts *Options, key string) error {
	base := opts.BaseURL
	if base == "" && opts.Getenv != nil {
		base = opts.Getenv("ANTHROPIC_BASE_URL")
	}
	if base == "" {
		base = resolve.DefaultBaseURL
	}
	if err := checkBaseURL(base); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Checking the key with one API call (GET %s/v1/models)…\n", strings.TrimRight(secret.URL(base), "/"))
	if err := opts.CheckAPIKey(ctx, base, key); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("the check was %w; nothing stored", cmdutil.ErrCancel)
		}
		msg := secret.Redact(err.Error(), key)
		var apiErr *anthropic.Error
		if errors.As(err, &apiErr) && (apiErr.StatusCode == 401 || apiErr.StatusCode == 403) {
			return &checkError{fmt.Sprintf("the API refused the key %s (HTTP %d); nothing stored: check the key, or its workspace and base URL (to store it anyway, run the same command without --check)", secret.Mask(key), apiErr.StatusCode)}
		}
		return &checkError{fmt.Sprintf("could not check the key %s: %s; nothing stored (to store it anyway, run the same command without --check)", secret.Mask(key), msg)}
	}
	fmt.Fprintln(opts.IO.ErrOut, "The API accepted the key.")
	return nil
}

// checkError: --check failed; the key is not stored (exit 4: authentication).
type checkError struct{ msg string }

func (e *checkError) Error() string { return e.msg }
func (e *checkError) ExitCode() int { return exitcode.Auth }

// checkAPIKeyLive lists the models with key: the cheapest call that needs
// a valid key and spends no tokens.
func checkAPIKeyLive(ctx context.Context, baseURL, key string) error {
	rt := credential.NewStaticRuntime(baseURL, credential.ModeAPIKey, credential.KindAPIKey, "auth add --check", key)
	client := apiclient.New(rt, option.WithMaxRetries(1))
	_, err := client.Models.List(ctx, anthropic.ModelListParams{Limit: anthropic.Int(1)})
	return err
}
