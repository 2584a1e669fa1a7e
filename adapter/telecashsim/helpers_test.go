package telecashsim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// testClock is a settable clock.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.ns.Store(t.UnixNano())
	return c
}
func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

var t0 = time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)

// env is a simulator behind a real loopback HTTP server.
type env struct {
	t     *testing.T
	sim   *Simulator
	srv   *httptest.Server
	clock *testClock
	n     atomic.Int64
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clock := newTestClock(t0)
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	sim := New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &env{t: t, sim: sim, srv: srv, clock: clock}
}

// req describes one raw request; zero fields get valid defaults.
type req struct {
	method, path string
	body         string
	apiKey       string
	secret       string
	id           string
	ts           string
	sig          string // overrides the computed signature
	hex          bool   // sign with variant B
	contentType  string
	omit         string // header to leave out
}

func signA(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func signB(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(m.Sum(nil))))
}

// do sends r and returns status and decoded JSON body.
func (e *env) do(r req) (int, map[string]any) {
	e.t.Helper()
	status, raw := e.doRaw(r)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			e.t.Fatalf("response is not JSON: %v: %s", err, raw)
		}
	}
	return status, m
}

func (e *env) doRaw(r req) (int, []byte) {
	e.t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	if r.path == "" {
		r.path = "/payments"
	}
	if r.apiKey == "" {
		r.apiKey = DefaultAPIKey
	}
	if r.secret == "" {
		r.secret = DefaultAPISecret
	}
	if r.id == "" {
		r.id = fmt.Sprintf("req-%d-%d", time.Now().UnixNano(), e.n.Add(1))
	}
	if r.ts == "" {
		r.ts = strconv.FormatInt(e.clock.Now().UnixMilli(), 10)
	}
	if r.sig == "" {
		msg := r.apiKey + r.id + r.ts + r.body
		r.sig = signA(r.secret, msg)
		if r.hex {
			r.sig = signB(r.secret, msg)
		}
	}
	if r.contentType == "" {
		r.contentType = "application/json"
	}
	hr, err := http.NewRequest(r.method, e.srv.URL+Prefix+r.path, bytes.NewBufferString(r.body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range map[string]string{"Content-Type": r.contentType, "Api-Key": r.apiKey, "Client-Request-Id": r.id, "Timestamp": r.ts, "Message-Signature": r.sig} {
		if k != r.omit {
			hr.Header.Set(k, v)
		}
	}
	resp, err := e.srv.Client().Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// sale returns the body of a card sale.
func sale(merchTx, orderID, card string, total string) string {
	return fmt.Sprintf(`{"requestType":"PaymentCardSaleTransaction","merchantTransactionId":%q,"transactionAmount":{"total":%s,"currency":"EUR"},"order":{"orderId":%q},"paymentMethod":{"paymentCard":{"number":%q,"securityCode":"123","expiryDate":{"month":"12","year":"30"}}}}`,
		merchTx, total, orderID, card)
}

func preauth(merchTx, orderID, card string, total string) string {
	return fmt.Sprintf(`{"requestType":"PaymentCardPreAuthTransaction","merchantTransactionId":%q,"transactionAmount":{"total":%s,"currency":"EUR"},"order":{"orderId":%q},"paymentMethod":{"paymentCard":{"number":%q,"expiryDate":{"month":"12","year":"2030"}}}}`,
		merchTx, total, orderID, card)
}

func secondary(requestType, merchTx, total string) string {
	if total == "" {
		return fmt.Sprintf(`{"requestType":%q,"merchantTransactionId":%q}`, requestType, merchTx)
	}
	return fmt.Sprintf(`{"requestType":%q,"merchantTransactionId":%q,"transactionAmount":{"total":%s,"currency":"EUR"}}`, requestType, merchTx, total)
}

func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[p]
	}
	switch v := cur.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	}
	b, _ := json.Marshal(cur)
	return string(b)
}
