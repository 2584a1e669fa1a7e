package telecashsim

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestPrimaryAnswers(t *testing.T) {
	tests := []struct {
		name         string
		card         string
		status       int
		result       string
		state        string
		approvalCode string // prefix
		procCode     string
	}{
		{"approve visa", CardApproveVisa, 200, "APPROVED", "CAPTURED", "Y:", "00"},
		{"approve mastercard", CardApproveMastercard, 200, "APPROVED", "CAPTURED", "Y:", "00"},
		{"approve any luhn card", "4035874000424977", 200, "APPROVED", "CAPTURED", "Y:", "00"},
		{"decline", CardDecline, 422, "DECLINED", "DECLINED", "N:05:Do Not Honour", "05"},
		{"expired", CardExpired, 422, "DECLINED", "DECLINED", "N:54:Expired Card", "54"},
		{"funds", CardInsufficientFunds, 422, "DECLINED", "DECLINED", "N:51:", "51"},
		{"3ds", Card3DSChallenge, 200, "WAITING", "WAITING", "?:waiting 3dsecure", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			status, m := e.do(req{body: sale("m1", "o1", tt.card, `"13.00"`)})
			if status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, m)
			}
			if str(m, "transactionResult") != tt.result || str(m, "transactionStatus") != tt.result || str(m, "transactionState") != tt.state {
				t.Errorf("result/status/state = %s/%s/%s", str(m, "transactionResult"), str(m, "transactionStatus"), str(m, "transactionState"))
			}
			if !strings.HasPrefix(str(m, "approvalCode"), tt.approvalCode) {
				t.Errorf("approvalCode %q, want prefix %q", str(m, "approvalCode"), tt.approvalCode)
			}
			if str(m, "processor", "responseCode") != tt.procCode {
				t.Errorf("processor.responseCode %q", str(m, "processor", "responseCode"))
			}
			if str(m, "ipgTransactionId") == "" || str(m, "orderId") != "o1" || str(m, "merchantTransactionId") != "m1" {
				t.Errorf("ids missing: %v", m)
			}
			if str(m, "paymentMethodDetails", "paymentCard", "last4") != tt.card[12:] {
				t.Errorf("last4: %v", m["paymentMethodDetails"])
			}
			if strings.Contains(fmt.Sprint(m), tt.card) {
				t.Errorf("response echoes the card number")
			}
			if status == 422 && (str(m, "responseType") != "EndpointDeclined" || str(m, "error", "code") != tt.procCode) {
				t.Errorf("422 body lacks error: %v", m)
			}
			if tt.result == "WAITING" && str(m, "authenticationResponse", "type") != "3D_SECURE" {
				t.Errorf("no authenticationResponse: %v", m)
			}
		})
	}
}

func TestExpiredByClock(t *testing.T) {
	e := newEnv(t, Options{})
	body := strings.Replace(sale("m1", "o1", CardApproveVisa, `"1.00"`), `"year":"30"`, `"year":"25"`, 1)
	status, m := e.do(req{body: body})
	if status != 422 || str(m, "approvalCode") != "N:54:Expired Card" {
		t.Fatalf("status %d %v", status, m)
	}
}

func TestSchemaErrors(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		code   string
		fields []string
	}{
		{"bad card number", sale("m", "o", "4111111111111112", `"1.00"`), "2303", []string{"paymentMethod.paymentCard.number"}},
		{"bad currency", strings.Replace(sale("m", "o", CardApproveVisa, `"1.00"`), "EUR", "EUX", 1), "400", []string{"transactionAmount.currency"}},
		{"too many decimals", sale("m", "o", CardApproveVisa, `"1.001"`), "400", []string{"transactionAmount.total"}},
		{"zero", sale("m", "o", CardApproveVisa, `0`), "400", []string{"transactionAmount.total"}},
		{"negative", sale("m", "o", CardApproveVisa, `-1`), "400", []string{"transactionAmount.total"}},
		{"no card", `{"requestType":"PaymentCardSaleTransaction","transactionAmount":{"total":1,"currency":"EUR"}}`, "400", []string{"paymentMethod.paymentCard"}},
		{"unknown type", `{"requestType":"Nope","transactionAmount":{"total":1,"currency":"EUR"}}`, "400", []string{"requestType"}},
		{"long merchant id", sale(strings.Repeat("m", 41), "o", CardApproveVisa, `"1.00"`), "400", []string{"merchantTransactionId"}},
		{"bad month", strings.Replace(sale("m", "o", CardApproveVisa, `"1.00"`), `"month":"12"`, `"month":"13"`, 1), "400", []string{"paymentMethod.paymentCard.expiryDate.month"}},
		{"bad stored credentials", strings.Replace(sale("m", "o", CardApproveVisa, `"1.00"`), `"order"`, `"storedCredentials":{"sequence":"SECOND"},"order"`, 1), "400",
			[]string{"storedCredentials.sequence", "storedCredentials.scheduled"}},
		{"subsequent with a card", strings.Replace(sale("m", "o", CardApproveVisa, `"1.00"`), `"order"`, `"storedCredentials":{"sequence":"SUBSEQUENT","scheduled":false},"order"`, 1), "400",
			[]string{"storedCredentials.sequence"}},
		{"token sale without token", `{"requestType":"PaymentTokenSaleTransaction","transactionAmount":{"total":1,"currency":"EUR"},"paymentMethod":{}}`, "400", []string{"paymentMethod.paymentToken.value"}},
		{"unknown token", `{"requestType":"PaymentTokenSaleTransaction","transactionAmount":{"total":1,"currency":"EUR"},"paymentMethod":{"paymentToken":{"value":"nope"}}}`, "400", []string{"paymentMethod.paymentToken.value"}},
		{"long renter name", strings.Replace(sale("m", "o", CardApproveVisa, `"1.00"`), `"orderId":"o"`, `"orderId":"o","industrySpecificExtensions":{"carRental":{"renterName":"Maximilian Mustermann","pickupDate":"2026-3-1"}}`, 1), "400",
			[]string{"order.industrySpecificExtensions.carRental.renterName", "order.industrySpecificExtensions.carRental.pickupDate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			status, m := e.do(req{body: tt.body})
			if status != http.StatusBadRequest || str(m, "responseType") != "BadRequest" {
				t.Fatalf("status %d %v", status, m)
			}
			if str(m, "error", "code") != tt.code {
				t.Errorf("error.code %q, want %q", str(m, "error", "code"), tt.code)
			}
			details, _ := m["error"].(map[string]any)["details"].([]any)
			var got []string
			for _, d := range details {
				got = append(got, d.(map[string]any)["field"].(string))
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
			if len(e.sim.Ledger()) != 0 {
				t.Error("a refused request created an order")
			}
		})
	}
	t.Run("malformed JSON", func(t *testing.T) {
		e := newEnv(t, Options{})
		if status, _ := e.do(req{body: `{"requestType":`}); status != http.StatusBadRequest {
			t.Fatalf("status %d", status)
		}
	})
}

func TestAmountsAsStringOrNumber(t *testing.T) {
	e := newEnv(t, Options{})
	for i, total := range []string{`"13.00"`, `13`, `13.5`, `"0.99"`} {
		status, m := e.do(req{body: sale(fmt.Sprint("m", i), fmt.Sprint("o", i), CardApproveVisa, total)})
		if status != 200 {
			t.Fatalf("total %s: status %d %v", total, status, m)
		}
	}
	want := map[string]int64{"o0": 1300, "o1": 1300, "o2": 1350, "o3": 99}
	for id, cents := range want {
		if got := e.sim.Ledger()[id].Captured; got != cents {
			t.Errorf("%s captured %d, want %d", id, got, cents)
		}
	}
}

func TestOrderAlreadyExists(t *testing.T) {
	e := newEnv(t, Options{})
	if status, _ := e.do(req{body: sale("m1", "o1", CardDecline, `"1.00"`)}); status != 422 {
		t.Fatalf("first: %d", status)
	}
	status, m := e.do(req{body: sale("m2", "o1", CardApproveVisa, `"1.00"`)})
	if status != http.StatusConflict {
		t.Fatalf("status %d", status)
	}
	if str(m, "responseType") != "GatewayDeclined" || !strings.HasPrefix(str(m, "approvalCode"), "N:-5003:") ||
		str(m, "error", "code") != "-5003" || str(m, "transactionResult") != "FAILED" {
		t.Errorf("409 body: %v", m)
	}
	// Incremental pre-auth on an open pre-auth order is allowed; a sale is not.
	if status, _ := e.do(req{body: preauth("m3", "o2", CardApproveVisa, `"1.00"`)}); status != 200 {
		t.Fatalf("preauth: %d", status)
	}
	if status, _ := e.do(req{body: preauth("m4", "o2", CardApproveVisa, `"2.00"`)}); status != 200 {
		t.Fatalf("incremental preauth: %d", status)
	}
	if status, _ := e.do(req{body: sale("m5", "o2", CardApproveVisa, `"1.00"`)}); status != http.StatusConflict {
		t.Fatalf("sale on preauth order: %d", status)
	}
	if got := e.sim.Ledger()["o2"].Authorized; got != 300 {
		t.Errorf("authorized %d, want 300", got)
	}
	// A reused merchantTransactionId is refused.
	status, m = e.do(req{body: sale("m1", "o9", CardApproveVisa, `"1.00"`)})
	if status != http.StatusConflict || str(m, "error", "code") != "-5901" {
		t.Errorf("duplicate merchantTransactionId: %d %v", status, m)
	}
}

func TestInquiryShowsStateOnly(t *testing.T) {
	e := newEnv(t, Options{})
	_, m := e.do(req{body: preauth("m1", "o1", CardApproveVisa, `"10.00"`)})
	ipg := str(m, "ipgTransactionId")
	e.do(req{path: "/payments/" + ipg, body: secondary("PostAuthTransaction", "m2", `"4.00"`)})
	for _, id := range []string{ipg, "m1"} {
		status, raw := e.doRaw(req{method: http.MethodGet, path: "/payments/" + id})
		if status != 200 {
			t.Fatalf("inquiry %s: %d", id, status)
		}
		s := string(raw)
		if strings.Contains(s, "transactionStatus") || strings.Contains(s, "transactionResult") {
			t.Errorf("inquiry carries transactionStatus/Result: %s", s)
		}
		if !strings.Contains(s, `"transactionState":"AUTHORIZED"`) {
			t.Errorf("inquiry lacks state: %s", s)
		}
	}
	status, m := e.do(req{method: http.MethodGet, path: "/orders/o1"})
	if status != 200 {
		t.Fatalf("order inquiry %d", status)
	}
	txs := m["transactions"].([]any)
	if len(txs) != 2 || txs[0].(map[string]any)["transactionType"] != "PREAUTH" || txs[1].(map[string]any)["transactionType"] != "POSTAUTH" {
		t.Errorf("order transactions: %v", txs)
	}
	if status, _ := e.do(req{method: http.MethodGet, path: "/payments/unknown"}); status != 404 {
		t.Errorf("unknown id: %d", status)
	}
}

func TestStateMachine(t *testing.T) {
	e := newEnv(t, Options{})
	_, m := e.do(req{body: preauth("pa", "o1", CardApproveVisa, `"100.00"`)})
	pa := str(m, "ipgTransactionId")
	steps := []struct {
		name   string
		path   string
		body   string
		status int
		code   string
	}{
		{"capture 60", "/payments/" + pa, secondary("PostAuthTransaction", "c1", `"60.00"`), 200, ""},
		{"capture 50 exceeds", "/payments/" + pa, secondary("PostAuthTransaction", "c2", `"50.00"`), 409, "-5902"},
		{"capture 40 by order", "/orders/o1", secondary("PostAuthTransaction", "c3", `"40.00"`), 200, ""},
		{"capture 0.01 more", "/payments/pa", secondary("PostAuthTransaction", "c4", `"0.01"`), 409, "-5902"},
		{"refund 100.01 exceeds", "/payments/c1", secondary("ReturnTransaction", "r1", `"100.01"`), 409, "-5902"},
		{"refund 30", "/payments/c1", secondary("ReturnTransaction", "r2", `"30.00"`), 200, ""},
		{"refund 70 by order", "/orders/o1", secondary("ReturnTransaction", "r3", `"70.00"`), 200, ""},
		{"refund 0.01 more", "/payments/c3", secondary("ReturnTransaction", "r4", `"0.01"`), 409, "-5902"},
		{"void refund", "/payments/r3", secondary("VoidTransaction", "v1", ""), 200, ""},
		{"void refund again", "/payments/r3", secondary("VoidTransaction", "v2", ""), 409, "-5903"},
		{"void on order not allowed", "/orders/o1", secondary("VoidTransaction", "v3", ""), 400, ""},
		{"currency mismatch", "/payments/c1", strings.Replace(secondary("ReturnTransaction", "r5", `"1.00"`), "EUR", "USD", 1), 400, ""},
		{"unknown transaction", "/payments/nope", secondary("ReturnTransaction", "r6", `"1.00"`), 404, ""},
		{"unknown order", "/orders/nope", secondary("ReturnTransaction", "r7", `"1.00"`), 404, ""},
	}
	for _, st := range steps {
		status, m := e.do(req{path: st.path, body: st.body})
		if status != st.status || (st.code != "" && str(m, "error", "code") != st.code) {
			t.Fatalf("%s: status %d code %q, want %d %q (%v)", st.name, status, str(m, "error", "code"), st.status, st.code, m)
		}
	}
	b := e.sim.Ledger()["o1"]
	if b.Authorized != 10000 || b.Captured != 10000 || b.Refunded != 3000 || b.Net() != 7000 || b.Currency != "EUR" {
		t.Errorf("ledger %+v", b)
	}
}

func TestVoids(t *testing.T) {
	e := newEnv(t, Options{})
	e.do(req{body: sale("s1", "o1", CardApproveVisa, `"50.00"`)})
	e.do(req{body: sale("s2", "o2", CardApproveVisa, `"20.00"`)})
	e.do(req{body: preauth("p1", "o3", CardApproveVisa, `"80.00"`)})
	e.do(req{body: preauth("p1b", "o3", CardApproveVisa, `"20.00"`)})
	e.do(req{path: "/payments/p1", body: secondary("PostAuthTransaction", "c1", `"30.00"`)})
	steps := []struct {
		name   string
		path   string
		body   string
		status int
	}{
		{"void sale", "/payments/s1", secondary("VoidTransaction", "v1", ""), 200},
		{"double void", "/payments/s1", secondary("VoidTransaction", "v2", ""), 409},
		{"refund voided sale", "/payments/s1", secondary("ReturnTransaction", "r1", `"1.00"`), 409},
		{"void preauth with captures", "/payments/p1", secondary("VoidTransaction", "v3", ""), 409},
		{"release preauths", "/payments/p1", secondary("VoidPreAuthTransactions", "v4", ""), 200},
		{"release again", "/payments/p1", secondary("VoidPreAuthTransactions", "v5", ""), 409},
		{"capture after release", "/payments/p1", secondary("PostAuthTransaction", "c2", `"1.00"`), 409},
		{"void-preauth on a sale", "/payments/s2", secondary("VoidPreAuthTransactions", "v6", ""), 409},
	}
	for _, st := range steps {
		if status, m := e.do(req{path: st.path, body: st.body}); status != st.status {
			t.Fatalf("%s: status %d, want %d (%v)", st.name, status, st.status, m)
		}
	}
	if n := e.sim.Settle(); n != 2 { // s2 and c1
		t.Errorf("settled %d, want 2", n)
	}
	if status, m := e.do(req{path: "/payments/s2", body: secondary("VoidTransaction", "v7", "")}); status != 409 || !strings.Contains(str(m, "error", "message"), "settled") {
		t.Errorf("void after settlement: %d %v", status, m)
	}
	if status, _ := e.do(req{path: "/payments/s2", body: secondary("ReturnTransaction", "r2", `"20.00"`)}); status != 200 {
		t.Errorf("refund after settlement: %d", status)
	}
	l := e.sim.Ledger()
	if l["o1"].Net() != 0 || l["o2"].Net() != 0 || l["o3"].Net() != 3000 || l["o3"].Authorized != 0 {
		t.Errorf("ledger %+v", l)
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t, Options{})
	tok := func(value, card string, dup bool) string {
		return fmt.Sprintf(`{"requestType":"PaymentCardPaymentTokenizationRequest","paymentCard":{"number":%q,"expiryDate":{"month":"01","year":"29"}},"createToken":{"value":%q,"reusable":true,"declineDuplicates":%v}}`, card, value, dup)
	}
	status, m := e.do(req{path: "/payment-tokens", body: tok("", CardApproveVisa, false)})
	if status != 200 || str(m, "requestStatus") != "SUCCESS" || str(m, "paymentToken", "last4") != "1111" || str(m, "paymentToken", "value") == "" {
		t.Fatalf("create: %d %v", status, m)
	}
	if status, m := e.do(req{path: "/payment-tokens", body: tok("mine", CardApproveVisa, true)}); status != 409 || str(m, "error", "code") != "-5904" {
		t.Fatalf("declineDuplicates: %d %v", status, m)
	}
	if status, _ := e.do(req{path: "/payment-tokens", body: tok("mine", CardApproveVisa, false)}); status != 200 {
		t.Fatalf("duplicates allowed: %d", status)
	}
	if status, _ := e.do(req{path: "/payment-tokens", body: tok("mine", CardApproveMastercard, false)}); status != 409 {
		t.Fatalf("value taken by another card: %d", status)
	}
	if status, _ := e.do(req{method: http.MethodGet, path: "/payment-tokens/mine"}); status != 200 {
		t.Fatalf("get: %d", status)
	}
	if status, m := e.do(req{method: http.MethodDelete, path: "/payment-tokens/mine"}); status != 200 || str(m, "requestStatus") != "DELETED" {
		t.Fatalf("delete: %d %v", status, m)
	}
	if status, _ := e.do(req{method: http.MethodDelete, path: "/payment-tokens/mine"}); status != 404 {
		t.Fatalf("delete again: %d", status)
	}
	if e.sim.TokenExists("mine") {
		t.Error("token still exists")
	}
}

func TestStoredCredentials(t *testing.T) {
	e := newEnv(t, Options{})
	body := strings.Replace(sale("m1", "o1", CardApproveVisa, `"1.00"`), `"order"`,
		`"createToken":{"reusable":true},"storedCredentials":{"sequence":"FIRST","scheduled":false,"initiator":"CARDHOLDER"},"order"`, 1)
	status, m := e.do(req{body: body})
	token, scheme := str(m, "paymentToken", "value"), str(m, "schemeTransactionId")
	if status != 200 || token == "" || scheme == "" {
		t.Fatalf("first use: %d %v", status, m)
	}
	_, other := e.do(req{body: sale("m0", "o0", CardApproveMastercard, `"1.00"`)})
	mit := func(mt, order, ref string) string {
		return fmt.Sprintf(`{"requestType":"PaymentTokenSaleTransaction","merchantTransactionId":%q,"transactionAmount":{"total":"2.00","currency":"EUR"},"order":{"orderId":%q},"paymentMethod":{"paymentToken":{"value":%q}},"storedCredentials":{"sequence":"SUBSEQUENT","scheduled":false,"initiator":"MERCHANT","referencedSchemeTransactionId":%q}}`, mt, order, token, ref)
	}
	if status, m := e.do(req{body: mit("m2", "o2", scheme)}); status != 200 || str(m, "transactionResult") != "APPROVED" {
		t.Fatalf("subsequent: %d %v", status, m)
	}
	if status, _ := e.do(req{body: mit("m3", "o3", str(other, "schemeTransactionId"))}); status != 400 {
		t.Fatalf("scheme id of another card: %d", status)
	}
	if status, _ := e.do(req{body: mit("m4", "o4", "999")}); status != 400 {
		t.Fatalf("unknown scheme id: %d", status)
	}
	v, ok := e.sim.Transaction("m2")
	if !ok || v.StoredCredentials == nil || v.StoredCredentials.Sequence != "SUBSEQUENT" || v.Token != token || v.Type != "SALE" {
		t.Errorf("view %+v", v)
	}
}

func TestFaultAmounts(t *testing.T) {
	e := newEnv(t, Options{FaultDelay: 2 * time.Second, SlowDelay: 20 * time.Millisecond})
	client := &http.Client{Timeout: 300 * time.Millisecond}
	e.srv.Client().Timeout = 0
	tests := []struct {
		name      string
		total     string
		status    int // 0: client timeout
		committed bool
	}{
		{"500 after commit", "666.00", 500, true},
		{"502 before commit", "666.02", 502, false},
		{"hang after commit", "666.04", 0, true},
		{"slow", "666.10", 200, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mt := fmt.Sprint("f", i)
			status, err := e.post(client, e.srv.URL, "/payments", mt, sale(mt, "order-"+mt, CardApproveVisa, `"`+tt.total+`"`))
			if status != tt.status {
				t.Fatalf("status %d (%v), want %d (0: a client timeout)", status, err, tt.status)
			}
			_, found := e.sim.Transaction(mt)
			if found != tt.committed {
				t.Errorf("committed = %v, want %v", found, tt.committed)
			}
		})
	}
}

func TestServerAndRun(t *testing.T) {
	s, err := NewServer("127.0.0.1:0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if !strings.HasSuffix(s.URL, Prefix) {
		t.Errorf("URL %s", s.URL)
	}
	resp, err := http.Get(s.URL + "/payments/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned GET: %d, want 401", resp.StatusCode)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, "127.0.0.1:0", Options{}) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}
