package bot

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ParseTarget checks a --deliver value: telegram:CHAT_ID or
// slack:CHANNEL_ID.
func ParseTarget(s string) (platform, id string, err error) {
	platform, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	switch {
	case !ok || id == "":
	case platform == PlatformTelegram && isTelegramID(id):
		return platform, id, nil
	case platform == PlatformSlack && isSlackID(id):
		return platform, id, nil
	}
	return "", "", fmt.Errorf("--deliver %q: give telegram:CHAT_ID (a number) or slack:CHANNEL_ID (like C0123ABCD)", s)
}

// Deliver posts text (Markdown) to target with the platform's token from
// the environment: TELEGRAM_BOT_TOKEN, SLACK_BOT_TOKEN; the API URLs may
// be replaced as for `hermes bot`.
func Deliver(ctx context.Context, getenv func(string) string, target, text string) error {
	platform, id, err := ParseTarget(target)
	if err != nil {
		return err
	}
	var p Platform
	var r Replier
	switch platform {
	case PlatformTelegram:
		token := strings.TrimSpace(getenv("TELEGRAM_BOT_TOKEN"))
		if token == "" {
			return fmt.Errorf("deliver to %s: set TELEGRAM_BOT_TOKEN (the bot's token) where this runs, or run hermes bot for Telegram on this HERMES_HOME", target)
		}
		rememberSecrets(token)
		chat, _ := strconv.ParseInt(id, 10, 64)
		base := strings.TrimSpace(getenv("HERMES_TELEGRAM_API_URL"))
		if base == "" {
			base = DefaultTelegramAPI
		}
		p, r = TelegramPlatform, &telegramReply{c: &TelegramClient{BaseURL: base, Token: token, HTTP: http.DefaultClient}, chat: chat}
	case PlatformSlack:
		var err error
		if r, err = slackDeliverer(getenv, id); err != nil {
			return fmt.Errorf("deliver to %s: %w", target, err)
		}
		p = SlackPlatform
	}
	if err := postAll(ctx, p, r, text); err != nil {
		return fmt.Errorf("deliver to %s: %w", target, err)
	}
	return nil
}
