package scripttest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hermes-agent/hermes/internal/telegramtest"
)

// cmdTelegram: telegram SUBCOMMAND ... — drive and inspect the Telegram
// stand-in:
//
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
		deadline := time.Now().Add(30 * time.Second)
		for {
			for _, m := range tg.Messages() {
				if m.ChatID == chat && re.MatchString(m.Text) {
					fmt.Fprintf(ts.Stdout(), "id=%d edits=%d text=%q\n", m.MessageID, m.Edits, m.Text)
					return
				}
			}
			if time.Now().After(deadline) {
				ts.Fatalf("telegram wait: no message in chat %d matches %q; messages: %s", chat, args[2], telegramMessages(tg))
			}
			time.Sleep(20 * time.Millisecond)
		}
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
