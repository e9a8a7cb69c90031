package exec

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/anthropictest"
)

// The test binary doubles as the child command: with HERMES_EXEC_TEST_CHILD
// set it runs a child mode instead of the tests.
func TestMain(m *testing.M) {
	if mode := os.Getenv("HERMES_EXEC_TEST_CHILD"); mode != "" {
		os.Exit(child(mode))
	}
	// The children inherit it: a race-enabled process otherwise sleeps 1 s
	// at each clean exit (a race still makes it exit 66).
	os.Setenv("GORACE", "atexit_sleep_ms=0 "+os.Getenv("GORACE"))
	os.Exit(m.Run())
}

var forbidden = []string{
	"ANTHROPIC_FEDERATION_RULE_ID", "ANTHROPIC_ORGANIZATION_ID", "ANTHROPIC_SERVICE_ACCOUNT_ID",
	"ANTHROPIC_WORKSPACE_ID", "ANTHROPIC_IDENTITY_TOKEN_FILE", "ANTHROPIC_IDENTITY_TOKEN", "ANTHROPIC_PROFILE",
}

func child(mode string) int {
	switch mode {
	case "sdk":
		return sdkChild()
	case "exit":
		n, _ := strconv.Atoi(os.Getenv("HERMES_EXEC_TEST_CODE"))
		return n
	case "selfkill":
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		select {}
	case "waitsig":
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGUSR1)
		fmt.Println("ready")
		<-c
		return 42
	}
	return 99
}

// sdkChild is a small program using the official SDK exactly as a user's
// would: credentials and base URL from the environment.
func sdkChild() int {
	for _, v := range forbidden {
		if _, ok := os.LookupEnv(v); ok {
			fmt.Println("leaked", v)
		}
	}
	fmt.Println("base", os.Getenv("ANTHROPIC_BASE_URL"))
	fmt.Println("auth-token-hash", anthropictest.HashCredential(os.Getenv("ANTHROPIC_AUTH_TOKEN")))
	fmt.Println("api-key-hash", anthropictest.HashCredential(os.Getenv("ANTHROPIC_API_KEY")))
	if os.Getenv("HERMES_EXEC_TEST_NOCALL") != "" {
		return 0
	}
	c := anthropic.NewClient()
	p := anthropic.MessageNewParams{
		Model:     "claude-haiku-5-5",
		MaxTokens: 16,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
	}
	msg, err := c.Messages.New(context.Background(), p)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	fmt.Println("reply", msg.Content[0].Text)
	stream := c.Messages.NewStreaming(context.Background(), p)
	var acc anthropic.Message
	for stream.Next() {
		acc.Accumulate(stream.Current())
	}
	if err := stream.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "child stream:", err)
		return 3
	}
	fmt.Println("streamed", acc.Content[0].Text)
	return 0
}
