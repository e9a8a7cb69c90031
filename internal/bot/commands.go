package bot

import (
	"fmt"
	"strings"

	"github.com/hermes-agent/hermes/internal/agent"
)

// The in-chat commands. They are kept here, apart from the answering,
// so they can move to the shared slash-command table with chat's.
var commandHelp = map[string]string{
	"/new":    "start a new session in this chat",
	"/model":  "show the model, or /model NAME to change it for this chat",
	"/status": "show this chat's session, model and credential",
}

// command runs m when it is an in-chat command; ok is false otherwise.
// The adapters strip a Telegram "@botname" suffix before this.
func (b *Bot) command(m Message) (reply string, ok bool) {
	name, arg, _ := strings.Cut(strings.TrimSpace(m.Text), " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "/new":
		if err := b.Threads.Set(m.Thread, ""); err != nil {
			return "hermes: " + err.Error(), true
		}
		return "Started a new session: the next message begins it.", true
	case "/model":
		return b.model(m.Thread, arg), true
	case "/status":
		return b.status(m.Thread), true
	case "/help", "/start":
		var lines []string
		for _, c := range []string{"/new", "/model", "/status"} {
			lines = append(lines, c+" — "+commandHelp[c])
		}
		return "Ask me anything. Commands:\n" + strings.Join(lines, "\n"), true
	}
	return "", false
}

// model shows or sets the thread's model. A new thread gets its session
// now, so the choice is kept.
func (b *Bot) model(thread, name string) string {
	conv, lock, err := b.conversation(thread)
	if err != nil {
		return "hermes: " + err.Error()
	}
	defer lock.Unlock()
	if name == "" {
		return "Model: " + b.modelOf(conv)
	}
	if strings.ContainsAny(name, " \t\n") || len(name) > 200 {
		return "hermes: give one model id, like /model " + agent.DefaultModel
	}
	conv.Model = name
	if err := b.Store.Save(conv, b.Now()); err != nil {
		return "hermes: " + err.Error()
	}
	if err := b.Threads.Set(thread, conv.ID); err != nil {
		return "hermes: " + err.Error()
	}
	return "Model for this chat: " + name
}

func (b *Bot) modelOf(conv *agent.Conversation) string {
	if conv.Model != "" {
		return conv.Model
	}
	if b.Model != "" {
		return b.Model
	}
	return agent.DefaultModel
}

func (b *Bot) status(thread string) string {
	var lines []string
	id := b.Threads.Get(thread)
	if id == "" {
		lines = append(lines, "Session: none yet (the next message starts one)", "Model: "+b.modelOrDefault())
	} else if conv, err := b.Store.Load(id); err != nil {
		lines = append(lines, "Session: "+id+" (unreadable: "+err.Error()+")")
	} else {
		lines = append(lines, fmt.Sprintf("Session: %s (%d messages; `hermes chat -r %s` resumes it)", id, len(conv.Messages), id), "Model: "+b.modelOf(conv))
	}
	if b.Runtime != nil {
		lines = append(lines, "Credential: "+b.Runtime.Source)
	}
	return strings.Join(lines, "\n")
}

func (b *Bot) modelOrDefault() string {
	if b.Model != "" {
		return b.Model
	}
	return agent.DefaultModel
}
