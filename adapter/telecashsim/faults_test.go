package telecashsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// post signs body at the env's clock and POSTs it to path with client; it
// returns the status, or 0 and the error when no answer came.
func (e *env) post(client *http.Client, base, path, id, body string) (int, error) {
	e.t.Helper()
	ts := fmt.Sprint(e.clock.Now().UnixMilli())
	hr, _ := http.NewRequest(http.MethodPost, base+Prefix+path, strings.NewReader(body))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Api-Key", DefaultAPIKey)
	hr.Header.Set("Client-Request-Id", id)
	hr.Header.Set("Timestamp", ts)
	hr.Header.Set("Message-Signature", signA(DefaultAPISecret, DefaultAPIKey+id+ts+body))
	resp, err := client.Do(hr)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// TestFaultPlanEachKind injects every fault kind on the next request and
// checks what the client sees and what the simulator committed.
func TestFaultPlanEachKind(t *testing.T) {
	e := newEnv(t, Options{FaultDelay: 2 * time.Second})
	client := &http.Client{Timeout: 300 * time.Millisecond}
	tests := []struct {
		fault     Fault
		status    int  // 0: no answer (timeout or cut connection)
		committed bool // right after the client's call
		result    string
		later     bool // committed only after the late delay
	}{
		{FaultDecline, 422, true, "DECLINED", false},
		{FaultServerError, 500, true, "APPROVED", false},
		{FaultBadGateway, 502, false, "", false},
		{FaultTimeout, 0, true, "APPROVED", false},
		{FaultLostAnswer, 0, true, "APPROVED", false},
		{FaultLate, 0, false, "APPROVED", true},
	}
	for i, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			e.sim.SetFaults(FaultPlan{Next: []Fault{tt.fault}, LateDelay: 600 * time.Millisecond})
			mt := fmt.Sprint("fk", i)
			status, err := e.post(client, e.srv.URL, "/payments", mt, sale(mt, "order-"+mt, CardApproveVisa, `"12.00"`))
			if status != tt.status {
				t.Fatalf("status %d (%v), want %d", status, err, tt.status)
			}
			v, found := e.sim.Transaction(mt)
			if found != tt.committed {
				t.Fatalf("committed = %v right after the call, want %v", found, tt.committed)
			}
			if tt.later {
				deadline := time.Now().Add(3 * time.Second)
				for !found && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
					v, found = e.sim.Transaction(mt)
				}
				if !found {
					t.Fatal("the late request was never applied")
				}
			}
			if found && v.Result != tt.result {
				t.Errorf("result %s, want %s", v.Result, tt.result)
			}
			if got := e.sim.FaultCounts()[tt.fault]; got != 1 {
				t.Errorf("count of %s = %d, want 1", tt.fault, got)
			}
			// the next request is not faulted any more
			mt2 := mt + "-ok"
			if status, err := e.post(client, e.srv.URL, "/payments", mt2, sale(mt2, "order-"+mt2, CardApproveVisa, `"12.00"`)); status != 200 {
				t.Fatalf("unfaulted request: %d %v", status, err)
			}
		})
	}
}

// TestFaultOnSecondary: faults reach captures, refunds and voids too; an
// issuer decline does not apply to them.
func TestFaultOnSecondary(t *testing.T) {
	e := newEnv(t, Options{})
	client := &http.Client{Timeout: 300 * time.Millisecond}
	if s, err := e.post(client, e.srv.URL, "/payments", "s1", sale("s1", "o-s1", CardApproveVisa, `"50.00"`)); s != 200 {
		t.Fatal(s, err)
	}
	e.sim.SetFaults(FaultPlan{Next: []Fault{FaultLostAnswer, FaultDecline}})
	if s, _ := e.post(client, e.srv.URL, "/payments/s1", "r1", secondary("ReturnTransaction", "r1", `"10.00"`)); s != 0 {
		t.Fatalf("lost answer of a refund: %d", s)
	}
	if v, ok := e.sim.Transaction("r1"); !ok || v.Type != "RETURN" || v.ParentID == "" {
		t.Fatalf("refund not committed: %+v", v)
	}
	if s, err := e.post(client, e.srv.URL, "/payments/s1", "r2", secondary("ReturnTransaction", "r2", `"10.00"`)); s != 200 {
		t.Fatalf("a refund drawn the decline fault: %d %v", s, err)
	}
	if got := e.sim.Ledger()["o-s1"]; got.Refunded != 2000 {
		t.Errorf("ledger %+v", got)
	}
}

// TestLateRequestCheckedOnArrival: a request delivered after the
// Timestamp window is refused, as by the real gateway.
func TestLateRequestCheckedOnArrival(t *testing.T) {
	e := newEnv(t, Options{})
	client := &http.Client{Timeout: 100 * time.Millisecond}
	e.sim.SetFaults(FaultPlan{Next: []Fault{FaultLate}, LateDelay: 400 * time.Millisecond})
	if s, _ := e.post(client, e.srv.URL, "/payments", "l1", sale("l1", "o-l1", CardApproveVisa, `"12.00"`)); s != 0 {
		t.Fatalf("status %d, want a client timeout", s)
	}
	e.clock.Advance(window + time.Second) // the request is still on its way
	time.Sleep(700 * time.Millisecond)
	e.sim.inflight.Wait()
	if _, found := e.sim.Transaction("l1"); found {
		t.Fatal("a request arriving after the Timestamp window was applied")
	}
}

// TestFaultRatesReplayBySeed: the same seed gives the same faults.
func TestFaultRatesReplayBySeed(t *testing.T) {
	draw := func(seed uint64) ([]Fault, map[Fault]int) {
		s := New(Options{})
		rates := map[Fault]float64{}
		for _, f := range Faults {
			rates[f] = 0.1
		}
		s.SetFaults(FaultPlan{Seed: seed, Rates: rates})
		var out []Fault
		for range 500 {
			out = append(out, s.pickFault())
		}
		return out, s.FaultCounts()
	}
	a, counts := draw(42)
	b, _ := draw(42)
	c, _ := draw(43)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed drew different faults")
	}
	if reflect.DeepEqual(a, c) {
		t.Fatal("another seed drew the same faults")
	}
	for _, f := range Faults {
		if counts[f] < 20 || counts[f] > 90 { // 10 % of 500
			t.Errorf("%s drawn %d times of 500 at rate 0.1", f, counts[f])
		}
	}
}

// TestAdminEndpoints: PUT/GET /sim/faults and GET /sim/transactions, with
// the API key, and 400 for a bad plan.
func TestAdminEndpoints(t *testing.T) {
	e := newEnv(t, Options{})
	admin := func(method, path, body, key string) (int, map[string]any) {
		t.Helper()
		hr, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
		if key != "" {
			hr.Header.Set("Api-Key", key)
		}
		resp, err := e.srv.Client().Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if s, _ := admin("GET", "/sim/faults", "", ""); s != 401 {
		t.Fatalf("without key: %d", s)
	}
	for _, bad := range []string{`{"next":["meteor"]}`, `{"rates":{"decline":0.7,"late":0.7}}`, `{"rates":{"timeout":-1}}`, `{"late_delay":"soon"}`, `{"nxt":[]}`} {
		if s, m := admin("PUT", "/sim/faults", bad, DefaultAPIKey); s != 400 || m["error"] == "" {
			t.Errorf("%s: %d %v", bad, s, m)
		}
	}
	if s, m := admin("PUT", "/sim/faults", `{"next":["decline"],"late_delay":"1500ms"}`, DefaultAPIKey); s != 200 {
		t.Fatalf("put: %d %v", s, m)
	}
	client := &http.Client{Timeout: time.Second}
	if s, _ := e.post(client, e.srv.URL, "/payments", "a1", sale("a1", "o-a1", CardApproveVisa, `"12.00"`)); s != 422 {
		t.Fatalf("planned decline: %d", s)
	}
	s, m := admin("GET", "/sim/faults", "", DefaultAPIKey)
	if s != 200 || str(m, "counts", "decline") != "1" || str(m, "plan", "late_delay") != "1500000000" {
		t.Fatalf("get: %d %v", s, m)
	}
	s, m = admin("GET", "/sim/transactions", "", DefaultAPIKey)
	txs, _ := m["transactions"].([]any)
	if s != 200 || len(txs) != 1 || txs[0].(map[string]any)["merchantTransactionId"] != "a1" || txs[0].(map[string]any)["transactionResult"] != "DECLINED" {
		t.Fatalf("transactions: %d %v", s, m)
	}
}

// TestRestartKeepsState: a server with a state file restarted (connections
// cut, state written, dropped and read back) still knows its transactions,
// orders, tokens and recent request ids.
func TestRestartKeepsState(t *testing.T) {
	clock := newTestClock(t0)
	file := filepath.Join(t.TempDir(), "sim.json")
	srv, err := NewServer("127.0.0.1:0", Options{Now: clock.Now, StateFile: file})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e := &env{t: t, sim: srv.Sim, clock: clock}
	base := strings.TrimSuffix(srv.URL, Prefix)
	client := &http.Client{Timeout: time.Second}
	body := sale("k1", "o-k1", CardApproveVisa, `"40.00"`)
	body = strings.Replace(body, `"paymentMethod"`, `"createToken":{"reusable":true},"paymentMethod"`, 1)
	if s, err := e.post(client, base, "/payments", "req-k1", body); s != 200 {
		t.Fatal(s, err)
	}
	if s, _ := e.post(client, base, "/payments/k1", "req-k2", secondary("ReturnTransaction", "k2", `"15.00"`)); s != 200 {
		t.Fatal(s)
	}
	before := srv.Sim.Transactions()
	ledger := srv.Sim.Ledger()
	if err := srv.Restart(10 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if got := srv.Sim.Transactions(); !sameJSON(got, before) {
		t.Fatalf("transactions after restart:\n%+v\nbefore:\n%+v", got, before)
	}
	if got := srv.Sim.Ledger(); !reflect.DeepEqual(got, ledger) {
		t.Fatalf("ledger after restart %+v, before %+v", got, ledger)
	}
	if s, _ := e.post(client, base, "/payments", "req-k3", sale("k3", "o-k1", CardApproveVisa, `"1.00"`)); s != 409 {
		t.Errorf("order id reused after restart: %d, want 409", s)
	}
	if s, _ := e.post(client, base, "/payments", "req-k1", sale("k4", "o-k4", CardApproveVisa, `"1.00"`)); s != 401 {
		t.Errorf("request id replayed after restart: %d, want 401", s)
	}
	if s, _ := e.post(client, base, "/payments/k1", "req-k5", secondary("ReturnTransaction", "k5", `"30.00"`)); s != 409 {
		t.Errorf("refund beyond what is left after restart: %d, want 409", s)
	}
	v, _ := srv.Sim.Transaction("k1")
	if v.Token == "" || !srv.Sim.TokenExists(v.Token) {
		t.Fatalf("token lost in the restart: %+v", v)
	}
	tok := fmt.Sprintf(`{"requestType":"PaymentTokenSaleTransaction","merchantTransactionId":"k6","transactionAmount":{"total":"5.00","currency":"EUR"},"order":{"orderId":"o-k6"},"paymentMethod":{"paymentToken":{"value":%q}},"storedCredentials":{"sequence":"SUBSEQUENT","scheduled":false,"initiator":"MERCHANT","referencedSchemeTransactionId":%q}}`, v.Token, v.SchemeTransactionID)
	if s, _ := e.post(client, base, "/payments", "req-k6", tok); s != 200 {
		t.Errorf("token charge after restart: %d", s)
	}
	// a restart cuts an answer in flight; the transaction is kept
	srv.Sim.SetFaults(FaultPlan{Next: []Fault{FaultTimeout}})
	done := make(chan int)
	go func() {
		s, _ := e.post(&http.Client{Timeout: 5 * time.Second}, base, "/payments", "req-k7", sale("k7", "o-k7", CardApproveVisa, `"3.00"`))
		done <- s
	}()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, ok := srv.Sim.Transaction("k7"); ok {
			break
		}
	}
	if err := srv.Restart(0); err != nil {
		t.Fatal(err)
	}
	if s := <-done; s != 0 {
		t.Errorf("answer survived the restart: %d", s)
	}
	if _, ok := srv.Sim.Transaction("k7"); !ok {
		t.Error("transaction committed before the restart is lost")
	}
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
