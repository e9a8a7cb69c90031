package resolve

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/authstore"
)

// Messages name each thing once: no "credential pool: pool:", no
// "SDK profile: SDK profile:", no second "(see …)", no path said twice.
func TestMessagesSayEachThingOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, anthropictest.Config{})
	_, err := w.resolver().Resolve(context.Background())
	msg := err.Error()
	for _, want := range []string{"\n  - credential pool: no API key or OAuth entries in ", "\n  - SDK profile: none (ANTHROPIC_PROFILE unset", "\n  - configured WIF: anthropic-wif: not configured"} {
		if !strings.Contains(msg, want) {
			t.Errorf("nothing-found message lacks %q:\n%s", want, msg)
		}
	}
	for _, doubled := range []string{"pool: pool:", "SDK profile: SDK profile"} {
		if strings.Contains(msg, doubled) {
			t.Errorf("nothing-found message says %q:\n%s", doubled, msg)
		}
	}

	rep, _ := w.resolver().Report(context.Background())
	var headings []string
	for _, s := range rep.Sources {
		headings = append(headings, s.Heading())
	}
	got := strings.Join(headings, " | ")
	want := "anthropic-wif [configured WIF] | credential pool | SDK WIF variables (ANTHROPIC_FEDERATION_RULE_ID, …) [environment] | ANTHROPIC_AUTH_TOKEN [environment] | ANTHROPIC_API_KEY [environment] | SDK profile"
	if got != want {
		t.Errorf("status headings:\n got %s\nwant %s", got, want)
	}

	for i := 0; i < 2; i++ {
		w.AddPool(authstore.Entry{AuthType: authstore.AuthTypeAPIKey, APIKey: testAPIKey, Source: "flag", AddedAt: time.Now()})
	}
	for target, want := range map[string]string{
		"7":               "--credential 7: no such credential: number 7 (1-2 are stored; see `hermes auth list`) (targets are a pool number",
		"profile:missing": `--credential profile:missing: no SDK profile "missing": ` + w.Vars["ANTHROPIC_CONFIG_DIR"],
	} {
		r := w.resolver()
		r.Credential = target
		_, err := r.Resolve(context.Background())
		msg := err.Error()
		if !strings.HasPrefix(msg, want) {
			t.Errorf("--credential %s:\n got %s\nwant prefix %s", target, msg, want)
		}
		if strings.Count(msg, "(see") > 1 || strings.Count(msg, "see ") > 1 || strings.Count(msg, w.Vars["ANTHROPIC_CONFIG_DIR"]) > 1 {
			t.Errorf("--credential %s says something twice: %s", target, msg)
		}
	}
}
