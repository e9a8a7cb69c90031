// Package scripttest is the shared harness for end-to-end tests of the real
// hermes binary with testscript: every script starts in a clean HOME and
// HERMES_HOME, with no ambient Anthropic credentials, with its own OIDC
// issuer and Anthropic stand-in on loopback, and gets the custom commands
// registered in Cmds.
//
// Environment of every script:
//
//	STUB_URL      the stand-in's base URL
//	OIDC_ISSUER   the issuer's URL (the iss claim the default rule trusts)
//	RULE_ID       anthropictest.DefaultRuleID
//	ORG_ID        anthropictest.DefaultOrgID
//	STUB_API_KEY  an API key the stand-in accepts (a sentinel: nosecrets checks it)
//	GHA_URL       ACTIONS_ID_TOKEN_REQUEST_URL value (already has a query string)
//	GHA_TOKEN     ACTIONS_ID_TOKEN_REQUEST_TOKEN value
//	GCE_HOST      GCE_METADATA_HOST value (host:port)
//	AZURE_IMDS    HERMES_AZURE_IMDS_ENDPOINT value (base URL)
//	TELEGRAM_URL  the Telegram Bot API stand-in's base URL (`telegram env`
//	              sets TELEGRAM_BOT_TOKEN and HERMES_TELEGRAM_API_URL)
//	SLACK_URL     the Slack stand-in's Web API URL (…/api/; `slack env`
//	              sets the SLACK_* tokens and HERMES_SLACK_API_URL)
//	GORACE        hermestest's options (no one-second sleep at every exit
//	              of a race-enabled hermes)
//
// hermes itself is the test binary re-executed (hermestest.Main in the
// TestMain of cmd/hermes), found on PATH.
package scripttest

import (
	"fmt"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/oidctest"
	"github.com/hermes-agent/hermes/internal/slacktest"
	"github.com/hermes-agent/hermes/internal/telegramtest"
)

// StubAPIKey is the API key every script's stand-in accepts. It is a
// sentinel: it must never appear in hermes's output.
const StubAPIKey = "sk-ant-api03-SENTINEL-scripttest-key-4f9c2a7e1b"

// TelegramToken is the bot token every script's Telegram stand-in
// accepts; a sentinel too.
const TelegramToken = "7000000001:AAH-SENTINEL-telegram-bot-token-9d3e5"

// The Slack stand-in's bot and app-level tokens and signing secret;
// sentinels as well.
const (
	SlackBotToken      = "xoxb-1-SENTINEL-slack-bot-token-5e81c"
	SlackAppToken      = "xapp-1-SENTINEL-slack-app-token-0b7d2"
	SlackSigningSecret = "SENTINEL-slack-signing-secret-6a2f9"
)

type doublesKey struct{}

// Doubles are a script's running issuer and stand-in.
type Doubles struct {
	Issuer *oidctest.Issuer
	Stub   *anthropictest.Server
	// Telegram is the Bot API stand-in.
	Telegram *telegramtest.Server
	// Slack is the Slack stand-in.
	Slack *slacktest.Server

	mu   sync.Mutex
	jwts []string // minted by mintjwt
}

// Setup prepares each script's environment and starts its doubles, which
// are closed when the script ends.
func Setup(env *testscript.Env) error {
	env.Setenv("HOME", env.WorkDir+"/home")
	env.Setenv("HERMES_HOME", env.WorkDir+"/.hermes")
	env.Setenv("ANTHROPIC_CONFIG_DIR", env.WorkDir+"/.config/anthropic")
	for _, v := range []string{
		"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "ANTHROPIC_PROFILE",
		"ANTHROPIC_FEDERATION_RULE_ID", "ANTHROPIC_ORGANIZATION_ID", "ANTHROPIC_SERVICE_ACCOUNT_ID",
		"ANTHROPIC_WORKSPACE_ID", "ANTHROPIC_IDENTITY_TOKEN_FILE", "ANTHROPIC_IDENTITY_TOKEN",
		"HERMES_MODEL", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "GCE_METADATA_HOST",
		"HERMES_AZURE_IMDS_ENDPOINT", "TELEGRAM_BOT_TOKEN", "HERMES_TELEGRAM_API_URL",
		"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "HERMES_SLACK_API_URL",
	} {
		env.Setenv(v, "")
	}
	// And every other variable that can yield a credential (the one list).
	for _, v := range credential.CredentialVars() {
		if v != "HERMES_HOME" && v != "ANTHROPIC_CONFIG_DIR" {
			env.Setenv(v, "")
		}
	}
	for _, kv := range hermestest.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env.Setenv(k, v)
	}
	d, err := startDoubles()
	if err != nil {
		return err
	}
	env.Defer(d.close)
	env.Values[doublesKey{}] = d
	ghaURL, ghaToken := d.Issuer.GitHubActions()
	for k, v := range map[string]string{
		"STUB_URL":     d.Stub.URL,
		"OIDC_ISSUER":  d.Issuer.URL,
		"RULE_ID":      anthropictest.DefaultRuleID,
		"ORG_ID":       anthropictest.DefaultOrgID,
		"STUB_API_KEY": StubAPIKey,
		"GHA_URL":      ghaURL,
		"GHA_TOKEN":    ghaToken,
		"GCE_HOST":     d.Issuer.GCEMetadataHost(),
		"AZURE_IMDS":   d.Issuer.AzureIMDSEndpoint(),
		"TELEGRAM_URL": d.Telegram.URL,
		// The platform secrets are not in every script's environment
		// (a bash tool would print them): `telegram env`, `slack env`.
		"SLACK_URL": d.Slack.APIURL(),
	} {
		env.Setenv(k, v)
	}
	return nil
}

func startDoubles() (*Doubles, error) {
	iss, err := oidctest.Start()
	if err != nil {
		return nil, fmt.Errorf("start OIDC issuer: %w", err)
	}
	stub, err := anthropictest.Start(anthropictest.Config{Issuer: iss, APIKeys: []string{StubAPIKey}})
	if err != nil {
		iss.Close()
		return nil, fmt.Errorf("start Anthropic stand-in: %w", err)
	}
	tg, err := telegramtest.Start(TelegramToken)
	if err != nil {
		stub.Close()
		iss.Close()
		return nil, fmt.Errorf("start Telegram stand-in: %w", err)
	}
	sl, err := slacktest.Start(slacktest.Config{BotToken: SlackBotToken, AppToken: SlackAppToken, SigningSecret: SlackSigningSecret})
	if err != nil {
		tg.Close()
		stub.Close()
		iss.Close()
		return nil, fmt.Errorf("start Slack stand-in: %w", err)
	}
	return &Doubles{Issuer: iss, Stub: stub, Telegram: tg, Slack: sl}, nil
}

func (d *Doubles) close() {
	d.Slack.Close()
	d.Telegram.Close()
	d.Stub.Close()
	d.Issuer.Close()
}

// DoublesOf returns the script's doubles, for custom commands defined
// elsewhere (nil outside a script set up by Setup).
func DoublesOf(ts *testscript.TestScript) *Doubles {
	d, _ := ts.Value(doublesKey{}).(*Doubles)
	return d
}

// Cmds are the custom script commands: mintjwt, stub and nosecrets (see
// commands.go).
func Cmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"mintjwt":     cmdMintJWT,
		"stub":        cmdStub,
		"nosecrets":   cmdNoSecrets,
		"sentinel":    cmdSentinel,
		"freeport":    cmdFreePort,
		"waithttp":    cmdWaitHTTP,
		"httpget":     cmdHTTPGet,
		"httppost":    cmdHTTPPost,
		"acpprompt":   cmdACPPrompt,
		"mcphttp":     cmdMCPHTTP,
		"telegram":    cmdTelegram,
		"slack":       cmdSlack,
		"redisserver": cmdRedisServer,
		"otlp":        cmdOTLP,
	}
}
