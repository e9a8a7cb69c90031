package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func slackHeaders(secret string, at time.Time, body []byte) http.Header {
	stamp := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// The attacker's requests first: a forged signature, a replayed one
// (stale), a body changed after signing, one from the future, none.
func TestSlackVerifyRefusesForgedAndStaleRequests(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := &Slack{SigningSecret: "the-signing-secret", Now: func() time.Time { return now }}
	body := []byte(`{"type":"event_callback"}`)
	for name, c := range map[string]struct {
		h    http.Header
		body []byte
	}{
		"forged":      {slackHeaders("another-secret", now, body), body},
		"stale":       {slackHeaders("the-signing-secret", now.Add(-6*time.Minute), body), body},
		"future":      {slackHeaders("the-signing-secret", now.Add(6*time.Minute), body), body},
		"body edited": {slackHeaders("the-signing-secret", now, body), []byte(`{"type":"event_callback","x":1}`)},
		"unsigned":    {http.Header{}, body},
	} {
		if err := s.verify(c.h, c.body); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := s.verify(slackHeaders("the-signing-secret", now.Add(-4*time.Minute), body), body); err != nil {
		t.Errorf("a valid request 4 minutes old: %v", err)
	}
}
