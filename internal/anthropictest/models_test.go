package anthropictest_test

//lint:file-ignore SA1019 the model catalogue names deprecated and retired models on purpose

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/anthropictest"
)

func TestModelsPaginateLikeTheAPI(t *testing.T) {
	t.Parallel()
	_, srv := newPair(t)
	client := sdkClient(srv)
	ctx := context.Background()
	var ids []string
	params := anthropic.ModelListParams{Limit: anthropic.Int(5)}
	pages := 0
	for {
		page, err := client.Models.List(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Data) == 0 || page.FirstID != page.Data[0].ID || page.LastID != page.Data[len(page.Data)-1].ID {
			t.Fatalf("page %d: first_id/last_id %q/%q do not match %+v", pages, page.FirstID, page.LastID, page.Data)
		}
		for _, m := range page.Data {
			ids = append(ids, m.ID)
		}
		if !page.HasMore {
			break
		}
		params.AfterID = anthropic.String(page.LastID)
	}
	if want := len(anthropictest.Models()) - 1; len(ids) != want || pages != 3 {
		t.Fatalf("%d models in %d pages, want %d in 3", len(ids), pages, want)
	}
	// before_id walks back; lifecycle=retired lists the retired model.
	back, err := client.Models.List(ctx, anthropic.ModelListParams{BeforeID: anthropic.String(ids[7]), Limit: anthropic.Int(2)})
	if err != nil || len(back.Data) != 2 || back.Data[1].ID != ids[6] || !back.HasMore {
		t.Fatalf("before_id page = %s, %v", back.RawJSON(), err)
	}
	retired, err := client.Models.List(ctx, anthropic.ModelListParams{Lifecycle: []string{"retired"}})
	if err != nil || len(retired.Data) != 1 || retired.Data[0].ID != anthropic.ModelClaudeSonnet4_5_20250929 || retired.Data[0].Lifecycle != "retired" {
		t.Fatalf("retired = %s, %v", retired.RawJSON(), err)
	}
	// A page cap forces has_more even for a large limit.
	srv.SetModelsPageSize(2)
	capped, err := client.Models.List(ctx, anthropic.ModelListParams{Limit: anthropic.Int(100)})
	if err != nil || len(capped.Data) != 2 || !capped.HasMore {
		t.Fatalf("capped = %s, %v", capped.RawJSON(), err)
	}
	// Aliases resolve to the dated id.
	m, err := client.Models.Get(ctx, anthropic.ModelClaudeHaiku4_5, anthropic.ModelGetParams{})
	if err != nil || m.ID != anthropic.ModelClaudeHaiku4_5_20251001 {
		t.Fatalf("alias = %s, %v", m.RawJSON(), err)
	}
}

func TestRefusedModels(t *testing.T) {
	t.Parallel()
	_, srv := newPair(t)
	client := sdkClient(srv)
	ctx := context.Background()
	send := func(model string) *anthropic.Error {
		_, err := client.Messages.New(ctx, anthropic.MessageNewParams{Model: model, MaxTokens: 10,
			Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}})
		var ae *anthropic.Error
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("%s: %v", model, err)
		}
		return ae
	}
	if ae := send(anthropic.ModelClaudeSonnet5_5); ae != nil {
		t.Fatalf("current model refused: %v", ae)
	}
	if ae := send(anthropic.ModelClaudeSonnet4_5_20250929); ae == nil || ae.StatusCode != http.StatusNotFound || ae.Type() != "not_found_error" {
		t.Fatalf("retired model: %v", ae)
	}
	srv.RefuseModel(anthropic.ModelClaudeOpus4_8, http.StatusBadRequest)
	if ae := send(anthropic.ModelClaudeOpus4_8); ae == nil || ae.StatusCode != http.StatusBadRequest {
		t.Fatalf("refused model: %v", ae)
	}
}

// A cursor naming no listed model is refused, naming the parameter.
func TestModelsUnknownCursor(t *testing.T) {
	t.Parallel()
	_, srv := newPair(t)
	client := sdkClient(srv)
	for _, p := range []anthropic.ModelListParams{{AfterID: anthropic.String("nope")}, {BeforeID: anthropic.String("nope")}} {
		_, err := client.Models.List(context.Background(), p)
		var ae *anthropic.Error
		param := "after_id"
		if p.BeforeID.Valid() {
			param = "before_id"
		}
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || !strings.Contains(ae.Error(), param+": unknown model nope") {
			t.Errorf("%s=nope: %v", param, err)
		}
	}
}
