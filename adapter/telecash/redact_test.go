package telecash_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/payment"
)

// TestTokenNeverLogged deletes tokens over HTTP (found, unknown, gateway
// unreachable) and checks that the token appears in no log line of the
// adapter or the simulator and in no result.
func TestTokenNeverLogged(t *testing.T) {
	h := newHarness(t, setup{})
	ctx := context.Background()
	const tok = "tok-secret-4711"
	wantOutcome(t, must(t)(h.gw.CreateToken(ctx, payment.TokenCreate{Card: card(telecashsim.CardApproveVisa), TokenID: tok})), payment.Approved, "")
	var texts []string
	var lastErr error
	del := func(gw *telecash.Client) payment.Result {
		r, err := gw.DeleteToken(ctx, tok)
		if err != nil {
			texts = append(texts, err.Error())
		}
		lastErr = err
		texts = append(texts, r.Reason.Message)
		return r
	}
	wantOutcome(t, del(h.gw), payment.Approved, "")
	wantOutcome(t, del(h.gw), payment.Failed, payment.ReasonNotFound)
	down, err := telecash.New(telecash.Config{BaseURL: "http://127.0.0.1:1", APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret,
		StoreID: telecashsim.DefaultStoreID, Timeout: 200 * time.Millisecond, Logger: slog.New(slog.NewJSONHandler(h.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r := del(down)
	if r.Outcome != payment.Failed || r.Reason.Code != payment.ReasonNotSent || !strings.Contains(r.Reason.Message, "/payment-tokens/[token]") ||
		lastErr == nil || !strings.Contains(lastErr.Error(), "/payment-tokens/[token]") {
		t.Fatalf("unreachable gateway: %+v, %v", r, lastErr)
	}
	texts = append(texts, h.logs.String())
	if !strings.Contains(h.logs.String(), "/payment-tokens/[token]") {
		t.Fatal("no token path logged; the test would prove nothing")
	}
	for _, s := range texts {
		if strings.Contains(s, tok) {
			t.Fatalf("token found in: %s", s)
		}
	}
}
