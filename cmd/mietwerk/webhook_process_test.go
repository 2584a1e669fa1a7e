package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/webhook"
)

// holdingReceiver is a webhook endpoint that holds its first request
// unanswered until released (a slow receiver the sender dies on) and
// acknowledges the rest with 204, recording every request.
type holdingReceiver struct {
	srv      *httptest.Server
	held     chan string   // the id of the held request, once it arrived
	release  chan struct{} // closed: the held request may end
	mu       sync.Mutex
	acked    map[string]int // webhook-id → 2xx answers
	seen     map[string]int // webhook-id → requests
	ackOrder []string
	bodies   map[string][]byte
	badSig   int
	secret   string
}

func newHoldingReceiver(t *testing.T) *holdingReceiver {
	h := &holdingReceiver{held: make(chan string, 1), release: make(chan struct{}), acked: map[string]int{}, seen: map[string]int{},
		bodies: map[string][]byte{}}
	first := true
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("webhook-id")
		h.mu.Lock()
		h.seen[id]++
		hold := first
		first = false
		ts, _ := strconv.ParseInt(r.Header.Get("webhook-timestamp"), 10, 64)
		if want, err := webhook.Sign(h.secret, id, time.Unix(ts, 0), body); err != nil || want != r.Header.Get("webhook-signature") {
			h.badSig++
		}
		if prev, ok := h.bodies[id]; ok && !bytes.Equal(prev, body) {
			h.badSig++ // a retry must send the same bytes
		}
		h.bodies[id] = body
		h.mu.Unlock()
		if hold {
			h.held <- id
			select {
			case <-h.release:
			case <-r.Context().Done(): // the sender died
			}
			return // never acknowledged
		}
		h.mu.Lock()
		h.acked[id]++
		h.ackOrder = append(h.ackOrder, id)
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(func() {
		select {
		case <-h.release:
		default:
			close(h.release)
		}
		h.srv.Close()
	})
	return h
}

// TestProcessWebhookKilledMidDelivery: a `mietwerk serve` process is killed
// (SIGKILL) while its first webhook request is in flight, unanswered; a new
// process on the same database delivers it once the dead process's lease
// has run out, and every event of the booking reaches the receiver exactly
// once acknowledged, in order, signed with the secret `mietwerk webhook
// add` printed. On SQLite and PostgreSQL.
func TestProcessWebhookKilledMidDelivery(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			rc := newHoldingReceiver(t)
			var st *store.Store
			var creds demo.Credentials
			var env []string
			dataDir := t.TempDir()
			if dialect == "postgres" {
				var dsn string
				dsn, st, creds = demoPostgres(t)
				env = childEnv("MIETWERK_DATABASE_URL=" + dsn)
			} else {
				var err error
				st, err = store.Open(ctx, filepath.Join(dataDir, "mietwerk.db"), store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				if _, err := st.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				if creds, err = demo.Seed(ctx, st, identity.NewService(st, identity.Config{}, time.Now), dataDir); err != nil {
					t.Fatal(err)
				}
				env = childEnv()
			}
			// the endpoint, added as an operator would; the secret on stdout
			var out, errb bytes.Buffer
			args := []string{"webhook", "add", "--tenant", demo.Slug, "--url", rc.srv.URL + "/mietwerk", "--allow-private", "--data-dir", dataDir}
			if dialect == "postgres" {
				args = append(args, "--database-url", strings.TrimPrefix(env[len(env)-1], "MIETWERK_DATABASE_URL="))
			}
			if code := run(ctx, args, &cli{getenv: envOf(nil), stdout: &out, stderr: &errb}); code != exitOK {
				t.Fatalf("webhook add: %d %s", code, errb.String())
			}
			rc.secret = strings.TrimSpace(out.String())
			if _, err := webhook.SecretKey(rc.secret); err != nil || !strings.Contains(errb.String(), "shown only now") {
				t.Fatalf("webhook add printed %q / %q", out.String(), errb.String())
			}

			serveArgs := []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--secure-cookies=false", "--mail-transport", "keep",
				"--webhook-allow-private", "--webhook-timeout", "2s", "--webhook-retry-schedule", "0,1s,1s,1s"}
			a := start(t, env, serveArgs...)
			pickup := weekdayAt(6, 9)
			ret := pickup.AddDate(0, 0, 1).Add(8 * time.Hour)
			for ret.Weekday() == time.Saturday || ret.Weekday() == time.Sunday {
				ret = ret.AddDate(0, 0, 1)
			}
			q := url.Values{"station": {"SR"}, "pickup": {pickup.Format(time.RFC3339)}, "return": {ret.Format(time.RFC3339)}}
			status, _, avail, err := apiCall(t, "GET", a.url+"/api/v1/availability?"+q.Encode(), creds.APIKey, nil)
			if err != nil || status != 200 {
				t.Fatalf("availability: %d %v %v", status, avail, err)
			}
			var cat string
			for _, o := range avail["offers"].([]any) {
				if o := o.(map[string]any); o["available"] == true && cat == "" {
					cat = o["category"].(map[string]any)["code"].(string)
				}
			}
			req := map[string]any{
				"customer": map[string]any{"email": "eva.huber@example.de", "first_name": "Eva", "last_name": "Huber", "street": "Weg 1",
					"postal_code": "94315", "city": "Straubing", "phone": "+49 9421 55555", "birth_date": "1985-04-12", "language": "de"},
				"station": "SR", "category": cat, "pickup": pickup.Format(time.RFC3339), "return": ret.Format(time.RFC3339),
				"payment": map[string]any{"card": map[string]any{"number": "4111111111111111", "exp_month": 12, "exp_year": 2030, "cvv": "123"}},
			}
			status, _, b, err := apiCall(t, "POST", a.url+"/api/v1/bookings", creds.APIKey, req, "Idempotency-Key", "hook-kill")
			if err != nil || status != 201 {
				t.Fatalf("book: %d %v %v", status, b, err)
			}
			var heldID string
			select {
			case heldID = <-rc.held:
			case <-time.After(30 * time.Second):
				t.Fatal("no webhook request within 30 s")
			}
			if err := a.cmd.Process.Kill(); err != nil { // mid-delivery: the request is unanswered
				t.Fatal(err)
			}
			<-a.exited

			tctx := identity.WithActor(ctx, identity.SystemFor(tenantID(t, st)))
			start(t, env, serveArgs...)
			var ds []webhook.Delivery
			testenv.WaitFor(t, 60*time.Second, "every delivery delivered after the restart", func() bool {
				ds, _, err = st.ListDeliveries(tctx, webhook.DeliveryFilter{Limit: 200})
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range ds {
					if d.Status != webhook.StatusDelivered {
						return false
					}
				}
				return len(ds) >= 4 // two payments, the confirmation, the invoice
			})
			time.Sleep(500 * time.Millisecond) // a duplicate would arrive now
			rc.mu.Lock()
			defer rc.mu.Unlock()
			if rc.badSig != 0 {
				t.Fatalf("%d requests with a bad signature or a changed body", rc.badSig)
			}
			var order []string
			for i := len(ds) - 1; i >= 0; i-- {
				order = append(order, ds[i].MessageID)
				if n := rc.acked[ds[i].MessageID]; n != 1 {
					t.Errorf("%s (%s) acknowledged %d times", ds[i].MessageID, ds[i].Type, n)
				}
			}
			if rc.seen[heldID] != 2 || order[0] != heldID {
				t.Errorf("the request in flight when the process died (%s) was sent %d times; first event %s", heldID, rc.seen[heldID], order[0])
			}
			if strings.Join(rc.ackOrder, " ") != strings.Join(order, " ") {
				t.Errorf("acknowledged in another order than the events happened:\n%v\n%v", rc.ackOrder, order)
			}
		})
	}
}

// tenantID returns the demo tenant's id.
func tenantID(t *testing.T, st *store.Store) int64 {
	t.Helper()
	tn, err := st.TenantBySlug(identity.WithActor(context.Background(), identity.System()), demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

// TestWebhookCommands: webhook add prints the secret once (stdout) and
// refuses what the admin web refuses, naming the flag; list shows the
// endpoint's mode, state and events; remove deletes it.
func TestWebhookCommands(t *testing.T) {
	e := newAdminEnv(t)
	bad := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--url", "http://127.0.0.1:9/x"}, nil, "invalid --url: The address must start with https://"},
		{[]string{"--url", "https://127.0.0.1/x"}, nil, "invalid --url: The address points into an internal network (127.0.0.1)"},
		{[]string{"--url", "https://hooks.example.de/x", "--events", "booking.confirmed,booking.paid"}, nil, `invalid --events: Unknown event type “booking.paid”`},
		{[]string{"--url", "http://127.0.0.1:9/x"}, map[string]string{"MIETWERK_WEBHOOK_ALLOW_PRIVATE": "maybe"}, "MIETWERK_WEBHOOK_ALLOW_PRIVATE"},
		{[]string{}, nil, "missing --url"},
	}
	for _, tt := range bad {
		st, out, errOut := e.run("", tt.env, append([]string{"webhook", "add"}, tt.args...)...)
		if st != exitUsage || out != "" || !strings.Contains(errOut, tt.want) {
			t.Errorf("webhook add %v: %d %q %q; want exit 2 and %q", tt.args, st, out, errOut, tt.want)
		}
	}
	st, out, errOut := e.run("", map[string]string{"MIETWERK_WEBHOOK_ALLOW_PRIVATE": "true"}, "webhook", "add", "--url", "http://127.0.0.1:9/mietwerk",
		"--events", "booking.confirmed, booking.cancelled", "--test", "--description", "Agentur")
	secret := strings.TrimSpace(out)
	if _, err := webhook.SecretKey(secret); st != exitOK || err != nil || !strings.Contains(errOut, "added test webhook") ||
		!strings.Contains(errOut, "booking.confirmed,booking.cancelled") {
		t.Fatalf("webhook add: %d %q %q", st, out, errOut)
	}
	st, out, _ = e.run("", nil, "webhook", "list")
	if st != exitOK || !strings.Contains(out, "test") || !strings.Contains(out, "enabled") || !strings.Contains(out, "http://127.0.0.1:9/mietwerk") ||
		strings.Contains(out, secret) {
		t.Fatalf("webhook list: %d\n%s", st, out)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	if st, out, _ := e.run("", nil, "webhook", "remove", "--id", id); st != exitOK || !strings.Contains(out, "removed") {
		t.Fatalf("webhook remove: %d %s", st, out)
	}
	if st, _, errOut := e.run("", nil, "webhook", "remove", "--id", id); st != exitFailed || !strings.Contains(errOut, "does not exist") {
		t.Fatalf("second remove: %d %s", st, errOut)
	}
	if st, out, _ := e.run("", nil, "webhook", "list"); st != exitOK || strings.Contains(out, "127.0.0.1") {
		t.Fatalf("list after remove: %d %s", st, out)
	}
}
