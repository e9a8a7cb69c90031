package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/secret"
)

// The outbox hands a cron run's answer to the running bot when the run
// has no platform token of its own: the run writes it under
// HERMES_HOME/bot/outbox, the bot posts it with its tokens and removes
// it (or leaves NAME.err saying why it never will), and the run waits
// for that, so its result stays true.
func outboxDir(home string) string   { return filepath.Join(StateDir(home), "outbox") }
func outboxLock(home string) string  { return filepath.Join(StateDir(home), "outbox.lock") }
func servingPath(home string) string { return filepath.Join(StateDir(home), "serving.json") }

// outboxEvery is how often the bot looks in the outbox (tests shorten it).
var outboxEvery = 500 * time.Millisecond

// handoffWait bounds how long a run waits for the bot to post.
const handoffWait = 2 * time.Minute

type outgoing struct {
	Target string `json:"target"`
	Text   string `json:"text"`
}

// ServeOutbox posts what runs leave in the outbox for platforms, with
// getenv's tokens (the bot's), until ctx ends. One bot per HERMES_HOME
// serves it; another gets ok false.
func ServeOutbox(ctx context.Context, home string, platforms []string, getenv func(string) string, log *slog.Logger) (ok bool, err error) {
	if err := fsutil.EnsureDir(outboxDir(home)); err != nil {
		return false, err
	}
	lock, ok, err := fsutil.TryLockFile(outboxLock(home))
	if err != nil || !ok {
		return false, err
	}
	data, _ := json.Marshal(map[string][]string{"platforms": platforms})
	if err := fsutil.WritePrivateFile(home, servingPath(home), append(data, '\n')); err != nil {
		lock.Unlock()
		return false, err
	}
	go func() {
		defer lock.Unlock()
		t := time.NewTicker(outboxEvery)
		defer t.Stop()
		for {
			postOutbox(ctx, home, getenv, log)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return true, nil
}

func postOutbox(ctx context.Context, home string, getenv func(string) string, log *slog.Logger) {
	entries, err := os.ReadDir(outboxDir(home))
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".json") || ctx.Err() != nil {
			continue
		}
		path := filepath.Join(outboxDir(home), name)
		data, err := fsutil.ReadPrivateFileUnder(home, path, 4<<20)
		var o outgoing
		if err == nil {
			err = json.Unmarshal(data, &o)
		}
		if err == nil {
			err = Deliver(ctx, getenv, o.Target, o.Text)
			if Retryable(err) {
				continue // the next look tries again; the run waits
			}
		}
		if err != nil {
			log.Warn("outbox: not delivered", "file", name, "err", err)
			// The run says "deliver to TARGET" itself.
			msg := strings.TrimPrefix(err.Error(), "deliver to "+o.Target+": ")
			msg = secret.RedactShapes(secret.Redact(msg))
			fsutil.WritePrivateFile(home, strings.TrimSuffix(path, ".json")+".err", []byte(msg+"\n"))
		}
		os.Remove(path)
	}
}

// botServes reports whether a bot serving platform holds home's outbox.
func botServes(home, platform string) bool {
	lock, free, err := fsutil.TryLockFile(outboxLock(home))
	if err != nil {
		return false
	}
	if free {
		lock.Unlock()
		return false
	}
	data, err := fsutil.ReadPrivateFileUnder(home, servingPath(home), 4096)
	var s struct {
		Platforms []string `json:"platforms"`
	}
	return err == nil && json.Unmarshal(data, &s) == nil && slices.Contains(s.Platforms, platform)
}

// handoff gives text to the running bot and waits until it is posted;
// ok is false when no bot serving target's platform runs on home.
func handoff(ctx context.Context, home, target, text string) (ok bool, err error) {
	platform, _, err := ParseTarget(target)
	if err != nil || home == "" || !botServes(home, platform) {
		return false, err
	}
	var id [8]byte
	rand.Read(id[:])
	base := filepath.Join(outboxDir(home), time.Now().UTC().Format("20060102T150405")+"-"+hex.EncodeToString(id[:]))
	data, _ := json.Marshal(outgoing{Target: target, Text: text})
	if err := fsutil.WritePrivateFile(home, base+".json", data); err != nil {
		return true, err
	}
	ctx, cancel := context.WithTimeout(ctx, handoffWait)
	defer cancel()
	for {
		if msg, err := os.ReadFile(base + ".err"); err == nil {
			os.Remove(base + ".err")
			return true, fmt.Errorf("the running hermes bot could not post it: %s", strings.TrimSpace(string(msg)))
		}
		if _, err := os.Lstat(base + ".json"); errors.Is(err, fs.ErrNotExist) {
			return true, nil
		}
		select {
		case <-ctx.Done():
			os.Remove(base + ".json")
			return true, fmt.Errorf("the running hermes bot did not post it within %s", handoffWait)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// DeliverFrom is Deliver for a run on home: without the platform's token
// in its environment, a running `hermes bot` on the same HERMES_HOME
// posts it with its own.
func DeliverFrom(ctx context.Context, home string, getenv func(string) string, target, text string) error {
	platform, _, err := ParseTarget(target)
	if err != nil {
		return err
	}
	if strings.TrimSpace(getenv(tokenVar[platform])) == "" {
		if ok, err := handoff(ctx, home, target, text); ok {
			if err != nil {
				return fmt.Errorf("deliver to %s: %w", target, err)
			}
			return nil
		}
	}
	return Deliver(ctx, getenv, target, text)
}

// tokenVar is each platform's bot token variable.
var tokenVar = map[string]string{PlatformTelegram: "TELEGRAM_BOT_TOKEN", PlatformSlack: "SLACK_BOT_TOKEN"}
