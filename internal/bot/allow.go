package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// Allow is who may talk to the bot: nobody unless listed. An entry is
// "telegram:ID" (a user, or a group when the id is a chat's, negative) or
// "slack:TEAM/ID" (a user U…/W…, or a channel C…/G…/D…). A message is
// allowed when its sender or its chat is listed.
type Allow struct{ set map[string]bool }

// ParseAllowEntry checks one --allow value and returns it canonical.
func ParseAllowEntry(s string) (string, error) {
	s = strings.TrimSpace(s)
	platform, id, ok := strings.Cut(s, ":")
	if !ok || id == "" {
		return "", fmt.Errorf("--allow %q: give telegram:USER_ID, telegram:CHAT_ID, slack:TEAM/USER_ID or slack:TEAM/CHANNEL_ID", s)
	}
	switch platform {
	case PlatformTelegram:
		if !isTelegramID(id) {
			return "", fmt.Errorf("--allow %q: a Telegram id is a number (a user's, or a group's negative chat id)", s)
		}
	case PlatformSlack:
		team, member, ok := strings.Cut(id, "/")
		if !ok || !isSlackID(team) || !isSlackID(member) {
			return "", fmt.Errorf("--allow %q: a Slack entry is TEAM/ID, like slack:T0123ABC/U0456DEF (the workspace id, then a user or channel id)", s)
		}
	default:
		return "", fmt.Errorf("--allow %q: unknown platform %q: use telegram or slack", s, platform)
	}
	return s, nil
}

func isTelegramID(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isSlackID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// NewAllow builds the list from entries (already checked or not).
func NewAllow(entries []string) (*Allow, error) {
	a := &Allow{set: map[string]bool{}}
	for _, e := range entries {
		c, err := ParseAllowEntry(e)
		if err != nil {
			return nil, err
		}
		a.set[c] = true
	}
	return a, nil
}

// Allows reports whether any of ids (the sender's, the chat's) is listed.
func (a *Allow) Allows(ids ...string) bool {
	for _, id := range ids {
		if id != "" && a.set[id] {
			return true
		}
	}
	return false
}

// Len is how many entries there are.
func (a *Allow) Len() int { return len(a.set) }

// maxConfig bounds bot.json.
const maxConfig = 1 << 20

// Config is HERMES_HOME/bot.json.
type Config struct {
	// Allow lists more --allow entries.
	Allow []string `json:"allow"`
}

// ConfigPath is bot.json under home.
func ConfigPath(home string) string { return filepath.Join(home, "bot.json") }

// LoadConfig reads bot.json; a missing file is an empty config. The file
// decides who reaches the model, so one that others can write is refused.
func LoadConfig(home string) (*Config, error) {
	path := ConfigPath(home)
	data, err := fsutil.ReadPrivateFile(path, maxConfig)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w (expected {\"allow\": [\"telegram:USER_ID\", \"slack:TEAM/USER_ID\"]})", path, err)
	}
	for _, e := range c.Allow {
		if _, err := ParseAllowEntry(e); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return &c, nil
}
