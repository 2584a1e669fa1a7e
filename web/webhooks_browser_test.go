package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/webhookhttp"
	"mietwerk.dev/mietwerk/api"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/webhook"
)

// hookSink is a webhook receiver over HTTP answering status (settable).
type hookSink struct {
	srv    *httptest.Server
	status atomic.Int32
	mu     sync.Mutex
	heads  []http.Header
	bodies [][]byte
}

func newHookSink(t *testing.T, status int) *hookSink {
	s := &hookSink{}
	s.status.Store(int32(status))
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.heads, s.bodies = append(s.heads, r.Header.Clone()), append(s.bodies, b)
		s.mu.Unlock()
		w.WriteHeader(int(s.status.Load()))
		io.WriteString(w, "Empfänger sagt: "+http.StatusText(int(s.status.Load())))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// startDispatcher delivers the env's webhook events with schedule,
// rendering payloads with the API's views and e-mailing the
// administrators when an endpoint is switched off.
func startDispatcher(t *testing.T, e *env, schedule ...time.Duration) {
	t.Helper()
	bookings := booking.NewService(booking.Deps{Bookings: e.store, Changes: e.store, Customers: e.store, Tariffs: e.store,
		Tenancy: e.store, Categories: e.store, Records: e.store, Issued: e.store})
	mt, err := mailtmpl.New()
	must(t, err)
	d := webhook.NewDispatcher(e.store, api.NewEventRenderer(api.Deps{Bookings: bookings}),
		webhookhttp.New(webhookhttp.Config{AllowPrivate: true, Timeout: 2 * time.Second}),
		webhook.AdminNotifier{Users: e.store, Tenants: e.store, Mailer: mailtmpl.NewWebhookMailer(mt, "noreply@koenig.test", "https://miete.koenig.test")},
		webhook.Config{Worker: "web-test", Interval: 20 * time.Millisecond, Timeout: 2 * time.Second, Schedule: schedule},
		nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.store.SetEventHook(d.RenderNow)
	ctx, cancel := context.WithCancel(identity.WithActor(context.Background(), identity.System()))
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestBrowserWebhooks: an administrator adds a webhook from the home
// screen (an empty address is refused with a German message; the secret
// is shown once); a confirmed booking's event fails at the receiver
// (HTTP 500) through the whole schedule: the endpoint is switched off, the
// administrator gets an e-mail and the dashboard says so; the delivery log
// shows both attempts with the receiver's answer and the payload; after
// switching it on again, "Erneut senden" delivers it with the same id,
// signed with the secret shown. axe finds nothing serious on the pages.
func TestBrowserWebhooks(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		sink := newHookSink(t, 500)
		tab := testenv.Browser(t)
		ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
		defer cancel()
		axeClean := func(page string) { t.Helper(); testenv.AxeClean(t, ctx, page) }
		browserSignIn(t, ctx, e, adminEmail)
		var errText string
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.ID("admin-menu-toggle")),
			chromedp.Click(chromedp.CSS(`#admin-menu a[href="/admin/webhooks"]`)),
			chromedp.WaitVisible(chromedp.ID("webhook-form")),
			chromedp.Click(chromedp.ID("webhook-create")),
			chromedp.WaitVisible(chromedp.CSS(`p.field-error[data-field="url"]`)),
		); err != nil {
			testenv.Screenshot(t, ctx, "failed-webhook-empty")
			t.Fatal(err)
		}
		errText = textOf(t, ctx, `p.field-error[data-field="url"]`)
		if !strings.Contains(errText, "Bitte die Adresse (URL) eingeben") {
			t.Fatalf("empty address: %q", errText)
		}
		var secret string
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("f-url"), sink.srv.URL+"/mietwerk"),
			chromedp.SendKeys(chromedp.ID("f-description"), "Agentur Müller"),
			chromedp.Click(chromedp.CSS(`input[name="events"][value="booking.confirmed"]`)),
			chromedp.Click(chromedp.CSS(`input[name="events"][value="booking.cancelled"]`)),
			chromedp.Click(chromedp.ID("webhook-create")),
			chromedp.WaitVisible(chromedp.ID("new-secret")),
		); err != nil {
			testenv.Screenshot(t, ctx, "failed-webhook-create")
			t.Fatal(err)
		}
		secret = textOf(t, ctx, "#new-secret")
		testenv.Screenshot(t, ctx, "webhook-created")
		if _, err := webhook.SecretKey(secret); err != nil {
			t.Fatalf("secret shown %q: %v", secret, err)
		}
		axeClean("webhooks")
		eps, err := e.store.ListEndpoints(e.sys())
		must(t, err)
		if len(eps) != 1 || len(eps[0].Events) != 2 || eps[0].Description != "Agentur Müller" {
			t.Fatalf("endpoints: %+v", eps)
		}
		ep := eps[0]

		startDispatcher(t, e, 0, 100*time.Millisecond)
		w := seedBookings(t, e) // three confirmed bookings: three events
		testenv.WaitFor(t, 20*time.Second, "the endpoint switched off after every attempt failed", func() bool {
			got, err := e.store.Endpoint(e.sys(), ep.ID)
			must(t, err)
			return !got.Enabled
		})
		msgs, _, err := e.store.ListEmails(e.sys(), mail.Filter{})
		must(t, err)
		var notice *mail.Queued
		for i := range msgs {
			if msgs[i].Message.Kind == mail.KindWebhookDisabled {
				notice = &msgs[i]
			}
		}
		if notice == nil || notice.Message.To.Email != adminEmail || !strings.Contains(notice.Message.Subject, "Webhook ausgeschaltet") ||
			!strings.Contains(notice.Message.Text, "HTTP 500") || !strings.Contains(notice.Message.Text, fmt.Sprintf("/admin/webhooks/%d", ep.ID)) {
			t.Fatalf("notice to the administrator: %+v", notice)
		}

		var banner string
		if err := chromedp.Do(ctx,
			chromedp.Navigate(e.srv.URL+"/admin/"),
			chromedp.WaitVisible(chromedp.ID("webhooks-disabled")),
		); err != nil {
			testenv.Screenshot(t, ctx, "failed-webhook-dashboard")
			t.Fatal(err)
		}
		banner = textOf(t, ctx, "#webhooks-disabled")
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`#webhooks-disabled a`), chromedp.NodeReady),
			chromedp.WaitVisible(chromedp.CSS(`tr[data-endpoint="`+fmt.Sprint(ep.ID)+`"]`)),
			chromedp.Click(chromedp.CSS(`tr[data-endpoint] a`), chromedp.NodeReady),
			chromedp.WaitVisible(chromedp.ID("deliveries")),
		); err != nil {
			testenv.Screenshot(t, ctx, "failed-webhook-disabled")
			t.Fatal(err)
		}
		if !strings.Contains(banner, "wegen dauerhafter Fehler ausgeschaltet") {
			t.Fatalf("dashboard notice: %q", banner)
		}
		testenv.Screenshot(t, ctx, "webhook-endpoint-failed")
		axeClean("webhook")
		status, log := textOf(t, ctx, "#endpoint-status"), textOf(t, ctx, "#deliveries")
		if status != "ausgeschaltet" || !strings.Contains(log, "HTTP 500") || !strings.Contains(log, "fehlgeschlagen") ||
			!strings.Contains(log, "Buchung bestätigt") {
			t.Fatalf("endpoint %q, log %q", status, log)
		}
		// the first booking's delivery
		ds, _, err := e.store.ListDeliveries(e.sys(), webhook.DeliveryFilter{EndpointID: ep.ID})
		must(t, err)
		var first webhook.Delivery
		for _, d := range ds {
			if d.Label == w.resReg.Number {
				first = d
			}
		}
		if first.Status != webhook.StatusFailed || first.Attempts != 2 {
			t.Fatalf("delivery of %s: %+v (all: %+v)", w.resReg.Number, first, ds)
		}
		sink.status.Store(204)
		var attempts, payload, msgID string
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.ID("endpoint-enable"), chromedp.NodeReady),
			chromedp.WaitVisible(chromedp.ID("endpoint-disable")),
			chromedp.Navigate(fmt.Sprintf("%s/admin/webhook-deliveries/%d", e.srv.URL, first.ID)),
			chromedp.WaitVisible(chromedp.ID("attempts")),
		); err != nil {
			testenv.Screenshot(t, ctx, "failed-webhook-delivery")
			t.Fatal(err)
		}
		attempts, payload, msgID = textOf(t, ctx, "#attempts"), textOf(t, ctx, "#payload"), textOf(t, ctx, "#message-id")
		axeClean("webhook delivery")
		if strings.Count(attempts, "HTTP 500") != 2 || !strings.Contains(attempts, "Empfänger sagt: Internal Server Error") ||
			!strings.Contains(payload, `"type": "booking.confirmed"`) || !strings.Contains(payload, `"number": "`+w.resReg.Number+`"`) ||
			msgID != first.MessageID {
			t.Fatalf("attempts %q, id %q, payload %s", attempts, msgID, payload)
		}
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.ID("resend"), chromedp.NodeReady),
			chromedp.WaitVisible(chromedp.CSS("p.notice")),
		); err != nil {
			testenv.Screenshot(t, ctx, "failed-webhook-resend")
			t.Fatal(err)
		}
		testenv.WaitFor(t, 10*time.Second, "the delivery sent again", func() bool {
			_, atts, _, err := e.store.Delivery(e.sys(), first.ID)
			must(t, err)
			return len(atts) == 3 && atts[2].StatusCode == 204
		})
		if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("delivery-status"))); err != nil {
			t.Fatal(err)
		}
		status = textOf(t, ctx, "#delivery-status")
		if status != "zugestellt" {
			t.Fatalf("after resending: %q", status)
		}
		testenv.Screenshot(t, ctx, "webhook-delivery-resent")
		// the receiver got the same id every time, signed with the secret shown
		sink.mu.Lock()
		defer sink.mu.Unlock()
		n := 0
		for i, h := range sink.heads {
			if h.Get("webhook-id") != first.MessageID {
				continue
			}
			n++
			ts, err := time.Parse(time.RFC3339, time.Unix(atoi(h.Get("webhook-timestamp")), 0).UTC().Format(time.RFC3339))
			must(t, err)
			want, err := webhook.Sign(secret, first.MessageID, ts, sink.bodies[i])
			if err != nil || h.Get("webhook-signature") != want {
				t.Fatalf("attempt %d signed %q, want %q (%v)", n, h.Get("webhook-signature"), want, err)
			}
		}
		if n != 3 {
			t.Fatalf("the receiver got the delivery %d times, want 3", n)
		}
	})
}

// textOf returns the text of the element sel selects.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		testenv.Screenshot(t, ctx, "failed-text")
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func atoi(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}
