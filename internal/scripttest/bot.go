package scripttest

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hermes-agent/hermes/internal/slacktest"
	"github.com/hermes-agent/hermes/internal/telegramtest"
)

// cmdTelegram: telegram SUBCOMMAND ... — drive and inspect the Telegram
// stand-in:
//
//	telegram env                set TELEGRAM_BOT_TOKEN and HERMES_TELEGRAM_API_URL
//	telegram send FROM TEXT [chat=ID] [type=group] [reply=bot]
//	telegram wait CHAT REGEXP   wait (up to 30 s) for a bot message in CHAT matching REGEXP
//	telegram messages           every bot message as it reads now
//	telegram calls              every Bot API call: METHOD status=N chat=ID
//	telegram fault METHOD status=N [retry-after=S] [times=N]
//	telegram redeliver          queue every update again (unconfirmed, as after a crash)
func cmdTelegram(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("telegram does not support !")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: telegram send|wait|messages|calls|fault|redeliver ...")
	}
	tg := doubles(ts).Telegram
	_ = ts.Stdout()
	atoi := func(s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			ts.Fatalf("telegram: %q is not a number", s)
		}
		return n
	}
	switch args[0] {
	case "env":
		ts.Setenv("TELEGRAM_BOT_TOKEN", TelegramToken)
		ts.Setenv("HERMES_TELEGRAM_API_URL", tg.URL)
	case "send":
		if len(args) < 3 {
			ts.Fatalf("usage: telegram send FROM TEXT [chat=ID] [type=group] [reply=bot]")
		}
		kv := keyValues(ts, args[3:], "chat", "type", "reply")
		in := telegramtest.Incoming{From: atoi(args[1]), Text: args[2], ChatType: kv["type"], ReplyToBot: kv["reply"] == "bot"}
		if kv["chat"] != "" {
			in.Chat = atoi(kv["chat"])
		}
		fmt.Fprintf(ts.Stdout(), "update_id=%d\n", tg.Send(in))
	case "wait":
		if len(args) != 3 {
			ts.Fatalf("usage: telegram wait CHAT REGEXP")
		}
		chat := atoi(args[1])
		re, err := regexp.Compile(args[2])
		ts.Check(err)
		pollUntil(ts, 20*time.Millisecond, func() bool {
			for _, m := range tg.Messages() {
				if m.ChatID == chat && re.MatchString(m.Text) {
					fmt.Fprintf(ts.Stdout(), "id=%d edits=%d text=%q\n", m.MessageID, m.Edits, m.Text)
					return true
				}
			}
			return false
		}, func() string {
			return fmt.Sprintf("telegram wait: no message in chat %d matches %q; messages: %s", chat, args[2], telegramMessages(tg))
		})
	case "messages":
		fmt.Fprint(ts.Stdout(), telegramMessages(tg))
	case "calls":
		for _, c := range tg.Calls() {
			fmt.Fprintf(ts.Stdout(), "%s status=%d chat=%d\n", c.Method, c.Status, c.ChatID)
		}
	case "fault":
		if len(args) < 3 {
			ts.Fatalf("usage: telegram fault METHOD status=N [retry-after=S] [times=N]")
		}
		kv := keyValues(ts, args[2:], "status", "retry-after", "times")
		f := telegramtest.Fault{Status: int(atoi(kv["status"])), Times: 1}
		if kv["retry-after"] != "" {
			f.RetryAfter = int(atoi(kv["retry-after"]))
		}
		if kv["times"] != "" {
			f.Times = int(atoi(kv["times"]))
		}
		tg.SetFault(args[1], f)
	case "redeliver":
		tg.Redeliver()
	default:
		ts.Fatalf("unknown telegram subcommand %q", args[0])
	}
}

func telegramMessages(tg *telegramtest.Server) string {
	var b strings.Builder
	for _, m := range tg.Messages() {
		fmt.Fprintf(&b, "chat=%d id=%d edits=%d text=%q\n", m.ChatID, m.MessageID, m.Edits, m.Text)
	}
	return b.String()
}

// cmdSlack: slack SUBCOMMAND ... — drive and inspect the Slack stand-in:
//
//	slack env [-no-app] [-no-secret]  set SLACK_BOT_TOKEN, SLACK_APP_TOKEN,
//	                                SLACK_SIGNING_SECRET, HERMES_SLACK_API_URL
//	slack connected                 wait (up to 30 s) for a Socket Mode connection
//	slack mention USER CHANNEL TEXT [thread=TS]   an app_mention over Socket Mode (waits for the ack)
//	slack dm USER CHANNEL TEXT      a direct message over Socket Mode
//	slack post URL USER CHANNEL TEXT [sign=valid|forged|stale] [dm=true]
//	                                an Events API POST; prints status=N
//	slack verify URL CHALLENGE      a url_verification POST; prints status and body
//	slack wait CHANNEL REGEXP       wait (up to 30 s) for a bot message matching REGEXP
//	slack messages | calls
//	slack fault METHOD status=N [retry-after=S] [times=N]
func cmdSlack(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("slack does not support !")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: slack connected|mention|dm|post|verify|wait|messages|calls|fault ...")
	}
	sl := doubles(ts).Slack
	_ = ts.Stdout()
	switch args[0] {
	case "env":
		ts.Setenv("SLACK_BOT_TOKEN", SlackBotToken)
		ts.Setenv("HERMES_SLACK_API_URL", sl.APIURL())
		ts.Setenv("SLACK_APP_TOKEN", "")
		ts.Setenv("SLACK_SIGNING_SECRET", "")
		if !slices.Contains(args[1:], "-no-app") {
			ts.Setenv("SLACK_APP_TOKEN", SlackAppToken)
		}
		if !slices.Contains(args[1:], "-no-secret") {
			ts.Setenv("SLACK_SIGNING_SECRET", SlackSigningSecret)
		}
	case "connected":
		if !sl.Connected(30 * time.Second) {
			ts.Fatalf("slack: no Socket Mode connection within 30 s")
		}
	case "mention", "dm":
		if len(args) < 4 {
			ts.Fatalf("usage: slack %s USER CHANNEL TEXT [thread=TS]", args[0])
		}
		kv := keyValues(ts, args[4:], "thread")
		env, err := sl.Event(slacktest.Incoming{User: args[1], Channel: args[2], Text: args[3], DM: args[0] == "dm", ThreadTS: kv["thread"]})
		ts.Check(err)
		pollUntil(ts, 10*time.Millisecond, func() bool { return sl.Acked(env) }, func() string {
			return fmt.Sprintf("slack: envelope %s not acknowledged within 30 s", env)
		})
		fmt.Fprintf(ts.Stdout(), "acked %s\n", env)
	case "post":
		if len(args) < 5 {
			ts.Fatalf("usage: slack post URL USER CHANNEL TEXT [sign=valid|forged|stale] [dm=true]")
		}
		kv := keyValues(ts, args[5:], "sign", "dm")
		how := map[string]slacktest.Signing{"": slacktest.SignValid, "valid": slacktest.SignValid, "forged": slacktest.SignForged, "stale": slacktest.SignStale}[kv["sign"]]
		status, err := sl.PostEvent(args[1], slacktest.Incoming{User: args[2], Channel: args[3], Text: args[4], DM: kv["dm"] == "true"}, how)
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "status=%d\n", status)
	case "verify":
		if len(args) != 3 {
			ts.Fatalf("usage: slack verify URL CHALLENGE")
		}
		status, body, err := sl.PostURLVerification(args[1], args[2])
		ts.Check(err)
		fmt.Fprintf(ts.Stdout(), "status=%d body=%s\n", status, body)
	case "wait":
		if len(args) != 3 {
			ts.Fatalf("usage: slack wait CHANNEL REGEXP")
		}
		re, err := regexp.Compile(args[2])
		ts.Check(err)
		pollUntil(ts, 20*time.Millisecond, func() bool {
			for _, m := range sl.Messages() {
				if m.Channel == args[1] && re.MatchString(m.Text) {
					fmt.Fprintf(ts.Stdout(), "ts=%s thread=%s edits=%d text=%q\n", m.TS, m.ThreadTS, m.Edits, m.Text)
					return true
				}
			}
			return false
		}, func() string {
			return fmt.Sprintf("slack wait: no message in %s matches %q; messages: %s", args[1], args[2], slackMessages(sl))
		})
	case "messages":
		fmt.Fprint(ts.Stdout(), slackMessages(sl))
	case "calls":
		for _, c := range sl.Calls() {
			fmt.Fprintf(ts.Stdout(), "%s status=%d channel=%s\n", c.Method, c.Status, c.Channel)
		}
	case "fault":
		if len(args) < 3 {
			ts.Fatalf("usage: slack fault METHOD status=N [retry-after=S] [times=N]")
		}
		kv := keyValues(ts, args[2:], "status", "retry-after", "times")
		n := func(k string, def int) int {
			if kv[k] == "" {
				return def
			}
			v, err := strconv.Atoi(kv[k])
			ts.Check(err)
			return v
		}
		sl.SetFault(args[1], slacktest.Fault{Status: n("status", 429), RetryAfter: n("retry-after", 0), Times: n("times", 1)})
	default:
		ts.Fatalf("unknown slack subcommand %q", args[0])
	}
}

func slackMessages(sl *slacktest.Server) string {
	var b strings.Builder
	for _, m := range sl.Messages() {
		fmt.Fprintf(&b, "channel=%s ts=%s thread=%s edits=%d text=%q\n", m.Channel, m.TS, m.ThreadTS, m.Edits, m.Text)
	}
	return b.String()
}

// pollUntil calls done every interval until it reports true, or fails the
// script with giveUp's message after 30 s: the stand-ins give a script no
// other signal to wait on.
func pollUntil(ts *testscript.TestScript, interval time.Duration, done func() bool, giveUp func() string) {
	deadline := time.Now().Add(30 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			ts.Fatalf("%s", giveUp())
		}
		time.Sleep(interval)
	}
}
