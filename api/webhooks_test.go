package api_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/adapter/webhookhttp"
	"mietwerk.dev/mietwerk/api"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/webhook"
)

// verifyStandardWebhook checks a request as the Standard Webhooks
// specification tells a receiver to, written here from the specification
// (not with the sender's code): the key is the base64 after "whsec_"; the
// signed content is "id.timestamp.body"; webhook-signature is a
// space-separated list of "version,base64" of which one "v1" must match in
// constant time; the timestamp must be within 5 minutes of now.
func verifyStandardWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	b64, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return errors.New("secret without whsec_ prefix")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return err
	}
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("a webhook header is missing")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return err
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("timestamp out of tolerance")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		version, sig, _ := strings.Cut(s, ",")
		got, err := base64.StdEncoding.DecodeString(sig)
		if version == "v1" && err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no matching v1 signature")
}

// hookRequest is one request the receiver got.
type hookRequest struct {
	id, ts string
	body   []byte
	status int // what the receiver answered
	sigErr error
}

// receiver is a webhook endpoint over real HTTP: it verifies each
// request, answers what answer says (default 204) and records it.
type receiver struct {
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	got    []hookRequest
	answer func(id string, attempt int) int
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		h := hookRequest{id: r.Header.Get("webhook-id"), ts: r.Header.Get("webhook-timestamp"), body: body,
			sigErr: verifyStandardWebhook(rc.secret, r.Header, body, time.Now())}
		attempt := 1
		for _, g := range rc.got {
			if g.id == h.id {
				attempt++
			}
		}
		h.status = 204
		if rc.answer != nil {
			if s := rc.answer(h.id, attempt); s != 0 {
				h.status = s
			}
		}
		if h.sigErr != nil || r.Header.Get("Content-Type") != "application/json" {
			h.status = 400
		}
		rc.got = append(rc.got, h)
		rc.mu.Unlock()
		w.WriteHeader(h.status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []hookRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hookRequest(nil), rc.got...)
}

// runDispatcher runs a webhook dispatcher for the env with a fast
// schedule until the test ends.
func runDispatcher(t *testing.T, e *env, schedule ...time.Duration) *webhook.Dispatcher {
	t.Helper()
	return runDispatcherWith(t, e, api.NewEventRenderer(api.Deps{Bookings: e.bookings, Contracts: e.contract}), schedule...)
}

// runDispatcherWith is runDispatcher with another renderer.
func runDispatcherWith(t *testing.T, e *env, r webhook.Renderer, schedule ...time.Duration) *webhook.Dispatcher {
	t.Helper()
	d := webhook.NewDispatcher(e.st, r,
		webhookhttp.New(webhookhttp.Config{AllowPrivate: true, Timeout: 2 * time.Second}), nil,
		webhook.Config{Worker: "test", Interval: 20 * time.Millisecond, Timeout: 2 * time.Second, Schedule: schedule},
		nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.st.SetEventHook(d.RenderNow)
	ctx, cancel := context.WithCancel(identity.WithActor(context.Background(), identity.System()))
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return d
}

// webhookSchema compiles the body schema the OpenAPI document gives the
// webhook of event type typ.
func webhookSchema(t *testing.T, typ string) *jsonschema.Schema {
	t.Helper()
	loadOpenAPI(t)
	loc := oaURL + "#/webhooks/" + esc(typ) + "/post/requestBody/content/application~1json/schema"
	oaMu.Lock()
	defer oaMu.Unlock()
	if s, ok := oaSchemas[loc]; ok {
		return s
	}
	s, err := oaCompiler.Compile(loc)
	must(t, err)
	oaSchemas[loc] = s
	return s
}

// TestWebhooksDeliveredSignedInOrder: a booking's life (book, change,
// handover, return with billing) reaches a real HTTP receiver as signed
// events that an independent verifier accepts; the first delivery is
// answered 500 twice and retried with the same id and body; no later event
// of the booking is sent before it got through, and the events arrive in
// the order they happened; every body matches the OpenAPI document's
// webhooks section; booking.confirmed carries the booking exactly as the
// API answered the booking.
func TestWebhooksDeliveredSignedInOrder(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		rc := newReceiver(t)
		ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
		ep := webhook.Endpoint{URL: rc.srv.URL + "/hooks", Secret: webhook.NewSecret()}
		must(t, e.st.CreateEndpoint(ctx, &ep))
		rc.secret = ep.Secret
		var firstID string
		rc.answer = func(id string, attempt int) int {
			if firstID == "" {
				firstID = id
			}
			if id == firstID && attempt <= 2 {
				return 500
			}
			return 0
		}
		runDispatcher(t, e, 0, 150*time.Millisecond, 150*time.Millisecond, time.Second)

		b := e.do("POST", "/api/v1/bookings", bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17)), "Idempotency-Key", "wh")
		if b.status != 201 {
			t.Fatalf("book: %d %s", b.status, b.raw)
		}
		num := b.body["number"].(string)
		if r := e.do("PATCH", "/api/v1/bookings/"+num, map[string]any{"customer": map[string]any{"phone": "+49 9421 66666"}}); r.status != 200 {
			t.Fatalf("change: %d %s", r.status, r.raw)
		}
		staffKey := "Bearer " + e.keys[identity.ScopeStaff]
		if r := e.do("POST", "/api/v1/bookings/"+num+"/handover", handoverBody(), "Authorization", staffKey); r.status != 201 {
			t.Fatalf("handover: %d %s", r.status, r.raw)
		}
		if r := e.do("POST", "/api/v1/bookings/"+num+"/return", map[string]any{"unsigned_reason": "Schlüsselkasten", "km": 1100, "fuel_eighths": 8, "cleanliness": "clean"},
			"Authorization", staffKey); r.status != 200 {
			t.Fatalf("return: %d %s", r.status, r.raw)
		}

		// every delivery through
		deadline := time.Now().Add(30 * time.Second)
		var ds []webhook.Delivery
		for {
			var err error
			ds, _, err = e.st.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: ep.ID, Limit: 200})
			must(t, err)
			pending := 0
			for _, d := range ds {
				if d.Status != webhook.StatusDelivered {
					pending++
				}
			}
			if pending == 0 && len(ds) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d deliveries not delivered: %+v", pending, len(ds), ds)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// the events in the order they happened (oldest first)
		var order []string
		types := map[string]string{}
		for i := len(ds) - 1; i >= 0; i-- {
			order = append(order, ds[i].MessageID)
			types[ds[i].MessageID] = string(ds[i].Type)
		}
		var want []string
		for _, id := range order {
			want = append(want, types[id])
		}
		for _, must := range []string{"payment.succeeded", "booking.confirmed", "invoice.issued", "booking.changed", "contract.started", "contract.ended"} {
			found := false
			for _, x := range want {
				found = found || x == must
			}
			if !found {
				t.Errorf("no %s event; events: %v", must, want)
			}
		}
		reqs := rc.requests()
		var delivered []string
		bodies := map[string][]byte{}
		for i, r := range reqs {
			if r.sigErr != nil {
				t.Fatalf("request %d (%s): the signature does not verify: %v", i, r.id, r.sigErr)
			}
			if prev, ok := bodies[r.id]; ok && !bytes.Equal(prev, r.body) {
				t.Fatalf("event %s sent with two bodies", r.id)
			}
			bodies[r.id] = r.body
			if r.status < 300 {
				delivered = append(delivered, r.id)
			}
		}
		if !reflect.DeepEqual(delivered, order) {
			t.Fatalf("delivered in another order than the events happened:\ngot  %v\nwant %v (%v)", delivered, order, want)
		}
		if reqs[0].id != order[0] || reqs[1].id != order[0] || reqs[2].id != order[0] || reqs[0].status != 500 || reqs[1].status != 500 ||
			reqs[2].status != 204 {
			t.Fatalf("the first event was not retried after two 500s before anything else: %+v", reqs[:3])
		}
		if len(reqs) != len(order)+2 {
			t.Fatalf("%d requests for %d events and two 500s", len(reqs), len(order))
		}
		// bodies match the document; booking.confirmed carries the booking as answered
		var created map[string]any
		must(t, json.Unmarshal(b.raw, &created))
		delete(created, "booking_secret")
		for _, id := range order {
			var ev map[string]any
			must(t, json.Unmarshal(bodies[id], &ev))
			if ev["type"] != types[id] {
				t.Fatalf("event %s: type %v, delivery says %s", id, ev["type"], types[id])
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(bodies[id]))
			must(t, err)
			if err := webhookSchema(t, types[id]).Validate(v); err != nil {
				t.Fatalf("%s does not match the OpenAPI document: %v\n%s", types[id], err, bodies[id])
			}
			data := ev["data"].(map[string]any)
			switch types[id] {
			case "booking.confirmed":
				if !reflect.DeepEqual(data, created) {
					t.Errorf("booking.confirmed data differs from the API's answer:\n%v\n%v", data, created)
				}
			case "contract.started":
				if data["booking"] != num || data["status"] != "open" {
					t.Errorf("contract.started: %v", data)
				}
			case "invoice.issued", "payment.succeeded":
				if data["booking"] != num {
					t.Errorf("%s of another booking: %v", types[id], data)
				}
			}
		}
	})
}

// TestWebhookVerifyExamples: the receiver examples on /api/docs accept a
// signed delivery and refuse a tampered or replayed one (run with node and
// python3 when they are installed).
func TestWebhookVerifyExamples(t *testing.T) {
	secret := webhook.NewSecret()
	body := []byte(`{"type":"booking.confirmed","timestamp":"2026-12-01T08:12:03Z","data":{"number":"B26-00017"}}`)
	headers := func(at time.Time, b []byte) map[string]string {
		h, err := webhook.Headers(secret, webhook.NewMessageID(), at, b)
		must(t, err)
		return h
	}
	node, python := api.VerifyExamples()
	cases := []struct {
		name string
		h    map[string]string
		body []byte
		ok   bool
	}{
		{"signed", headers(time.Now(), body), body, true},
		{"tampered", headers(time.Now(), body), bytes.Replace(body, []byte("B26"), []byte("B27"), 1), false},
		{"replayed", headers(time.Now().Add(-10*time.Minute), body), body, false},
	}
	t.Run("node", func(t *testing.T) {
		if _, err := exec.LookPath("node"); err != nil {
			t.Skip("node is not installed")
		}
		dir := t.TempDir()
		must(t, os.WriteFile(filepath.Join(dir, "verify.js"), []byte(node), 0o600))
		ln := freePort(t)
		cmd := exec.Command("node", "verify.js")
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "MIETWERK_WEBHOOK_SECRET="+secret, "PORT="+strconv.Itoa(ln))
		must(t, cmd.Start())
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		url := "http://127.0.0.1:" + strconv.Itoa(ln) + "/"
		for _, c := range cases {
			var res *http.Response
			var err error
			for deadline := time.Now().Add(10 * time.Second); ; {
				req, _ := http.NewRequest("POST", url, bytes.NewReader(c.body))
				for k, v := range c.h {
					req.Header.Set(k, v)
				}
				if res, err = http.DefaultClient.Do(req); err == nil || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			must(t, err)
			res.Body.Close()
			if (res.StatusCode == 204) != c.ok {
				t.Errorf("%s: node answered %d", c.name, res.StatusCode)
			}
		}
	})
	t.Run("python", func(t *testing.T) {
		if _, err := exec.LookPath("python3"); err != nil {
			t.Skip("python3 is not installed")
		}
		for _, c := range cases {
			h, _ := json.Marshal(c.h)
			script := python + "\nimport json, sys\nprint(verify(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3].encode()))\n"
			out, err := exec.Command("python3", "-c", script, secret, string(h), string(c.body)).CombinedOutput()
			must(t, err)
			if got := strings.TrimSpace(string(out)); got != map[bool]string{true: "True", false: "False"}[c.ok] {
				t.Errorf("%s: python says %s", c.name, out)
			}
		}
	})
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// crashingRenderer renders like the API but crashes on one event type (a
// bug in a view).
type crashingRenderer struct {
	webhook.Renderer
	on webhook.Type
}

func (c crashingRenderer) Data(ctx context.Context, ev webhook.Event) ([]byte, error) {
	if ev.Type == c.on {
		var m map[string]int
		m["boom"]++ // nil map: panics
	}
	return c.Renderer.Data(ctx, ev)
}

// TestWebhookRenderCrashStopsNothing: an event whose rendering crashes
// (a bug) fails its delivery with a reference for the log, in the
// committing request and in the worker alike; the booking is answered, the
// process goes on, and the booking's other events are delivered.
func TestWebhookRenderCrashStopsNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		rc := newReceiver(t)
		ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
		ep := webhook.Endpoint{URL: rc.srv.URL + "/hooks", Secret: webhook.NewSecret()}
		must(t, e.st.CreateEndpoint(ctx, &ep))
		rc.secret = ep.Secret
		runDispatcherWith(t, e, crashingRenderer{api.NewEventRenderer(api.Deps{Bookings: e.bookings, Contracts: e.contract}),
			webhook.BookingConfirmed}, 0, 100*time.Millisecond)
		if b := e.do("POST", "/api/v1/bookings", bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17)),
			"Idempotency-Key", "crash"); b.status != 201 {
			t.Fatalf("book: %d %s", b.status, b.raw)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			ds, _, err := e.st.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: ep.ID})
			must(t, err)
			done, crashed := 0, 0
			for _, d := range ds {
				switch {
				case d.Type == webhook.BookingConfirmed && d.Status == webhook.StatusFailed && strings.Contains(d.LastError, "crashed (reference"):
					crashed++
				case d.Type != webhook.BookingConfirmed && d.Status == webhook.StatusDelivered:
					done++
				}
			}
			if crashed == 1 && done == len(ds)-1 && len(ds) >= 4 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("deliveries: %+v", ds)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
