package telecashsim

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestAuthentication(t *testing.T) {
	body := sale("m-auth", "", CardApproveVisa, `"1.00"`)
	tests := []struct {
		name   string
		opts   Options
		r      req
		status int
		msg    string
	}{
		{"variant A", Options{}, req{body: body}, 200, ""},
		{"variant B accepted by default", Options{}, req{body: body, hex: true}, 200, ""},
		{"variant B refused when disabled", Options{DisableHexSignature: true}, req{body: body, hex: true}, 401, "Invalid message signature"},
		{"wrong secret", Options{}, req{body: body, secret: "nope"}, 401, "Invalid message signature"},
		{"tampered body", Options{}, req{body: body, sig: signA(DefaultAPISecret, DefaultAPIKey+"x"+"1"+body)}, 401, "Invalid message signature"},
		{"wrong api key", Options{}, req{body: body, apiKey: "other"}, 401, "Invalid API key"},
		{"missing Api-Key", Options{}, req{body: body, omit: "Api-Key"}, 401, "Missing header Api-Key"},
		{"missing Client-Request-Id", Options{}, req{body: body, omit: "Client-Request-Id"}, 401, "Missing header Client-Request-Id"},
		{"missing Timestamp", Options{}, req{body: body, omit: "Timestamp"}, 401, "Missing header Timestamp"},
		{"missing Message-Signature", Options{}, req{body: body, omit: "Message-Signature"}, 401, "Missing header Message-Signature"},
		{"timestamp in seconds", Options{}, req{body: body, ts: strconv.FormatInt(t0.Unix(), 10)}, 401, "Timestamp outside the allowed window"},
		{"timestamp not a number", Options{}, req{body: body, ts: "yesterday"}, 401, "Timestamp must be epoch milliseconds"},
		{"timestamp 5 min old", Options{}, req{body: body, ts: strconv.FormatInt(t0.Add(-5*time.Minute).UnixMilli(), 10)}, 200, ""},
		{"timestamp too old", Options{}, req{body: body, ts: strconv.FormatInt(t0.Add(-5*time.Minute-time.Millisecond).UnixMilli(), 10)}, 401, "Timestamp outside the allowed window"},
		{"timestamp too new", Options{}, req{body: body, ts: strconv.FormatInt(t0.Add(5*time.Minute+time.Millisecond).UnixMilli(), 10)}, 401, "Timestamp outside the allowed window"},
		{"wrong content type", Options{}, req{body: body, contentType: "text/plain"}, 415, ""},
		{"foreign store", Options{}, req{body: `{"requestType":"PaymentCardSaleTransaction","storeId":"other"}`}, 403, ""},
		{"custom credentials", Options{APIKey: "k", APISecret: "s"}, req{body: body, apiKey: "k", secret: "s"}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts)
			status, m := e.do(tt.r)
			if status != tt.status {
				t.Fatalf("status = %d, want %d (%v)", status, tt.status, m)
			}
			if tt.msg != "" && str(m, "error", "message") != tt.msg {
				t.Errorf("message = %q, want %q", str(m, "error", "message"), tt.msg)
			}
			if status == 401 && str(m, "responseType") != "Unauthenticated" {
				t.Errorf("responseType = %q", str(m, "responseType"))
			}
			if status != 200 && len(e.sim.Ledger()) != 0 {
				t.Errorf("refused request changed state: %v", e.sim.Ledger())
			}
		})
	}
}

func TestSignatureTestVector(t *testing.T) {
	// The test vector of the protocol reference; the simulator must accept
	// both encodings for it.
	body := `{"requestType":"PaymentCardSaleTransaction","transactionAmount":{"total":"13.00","currency":"EUR"}}`
	msg := "apikey123" + "0f8fad5b-d9cb-469f-a165-70867728950e" + "1700000000000" + body
	e := newEnv(t, Options{APIKey: "apikey123", APISecret: "secret456", Now: func() time.Time { return time.UnixMilli(1700000000000) }})
	if !e.sim.signatureOK("apikey123", "0f8fad5b-d9cb-469f-a165-70867728950e", "1700000000000", []byte(body), "Y4G4oxsdXmAnt3IKmsjE+KLTWcyoSK9plgurSR6506I=") {
		t.Error("variant A test vector refused")
	}
	if !e.sim.signatureOK("apikey123", "0f8fad5b-d9cb-469f-a165-70867728950e", "1700000000000", []byte(body), "NjM4MWI4YTMxYjFkNWU2MDI3Yjc3MjBhOWFjOGM0ZjhhMmQzNTljY2E4NDhhZjY5OTYwYmFiNDkxZWI5ZDNhMg==") {
		t.Error("variant B test vector refused")
	}
	if !e.sim.signatureOK("apikey123", "0f8fad5b-d9cb-469f-a165-70867728950e", "1700000000000", nil, "VDbRdZeUmCUKvaU/VPnoWN6fWdDszpbr1za7W3tRqiY=") {
		t.Error("empty-body test vector refused")
	}
	if got := signA("secret456", msg); got != "Y4G4oxsdXmAnt3IKmsjE+KLTWcyoSK9plgurSR6506I=" {
		t.Errorf("test helper signA = %s", got)
	}
	// Over HTTP: the vector request with a 400 answer (no card) proves it passed authentication.
	status, m := e.do(req{body: body, apiKey: "apikey123", secret: "secret456", id: "0f8fad5b-d9cb-469f-a165-70867728950e", ts: "1700000000000"})
	if status != http.StatusBadRequest || str(m, "responseType") != "BadRequest" {
		t.Errorf("status %d %v, want 400 BadRequest after authentication", status, m)
	}
}

func TestReplayRejectedWithinWindow(t *testing.T) {
	e := newEnv(t, Options{})
	r := req{method: http.MethodGet, path: "/orders/none", id: "fixed-id"}
	if status, _ := e.do(r); status != http.StatusNotFound {
		t.Fatalf("first use: status %d, want 404", status)
	}
	e.clock.Advance(4 * time.Minute)
	status, m := e.do(r)
	if status != http.StatusUnauthorized || str(m, "error", "message") != "Client-Request-Id already used" {
		t.Fatalf("replay: status %d %v, want 401", status, m)
	}
	e.clock.Advance(2 * time.Minute) // now 6 minutes after first use
	if status, _ := e.do(r); status != http.StatusNotFound {
		t.Fatalf("after the window: status %d, want 404", status)
	}
}

func TestBadSignatureDoesNotBurnRequestID(t *testing.T) {
	e := newEnv(t, Options{})
	r := req{method: http.MethodGet, path: "/orders/none", id: "id-1"}
	bad := r
	bad.sig = "AAAA"
	if status, _ := e.do(bad); status != http.StatusUnauthorized {
		t.Fatalf("bad signature: %d", status)
	}
	if status, _ := e.do(r); status != http.StatusNotFound {
		t.Fatalf("good request after bad one with same id: %d, want 404", status)
	}
}
