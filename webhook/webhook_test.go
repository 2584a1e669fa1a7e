package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/webhook"
)

// TestSignSpecVector: the signature of the Standard Webhooks reference
// libraries' test vector.
func TestSignSpecVector(t *testing.T) {
	got, err := webhook.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0),
		[]byte(`{"test": 2432232314}`))
	if err != nil || got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("Sign = %q, %v", got, err)
	}
	h, err := webhook.Headers("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0),
		[]byte(`{"test": 2432232314}`))
	if err != nil || h["webhook-timestamp"] != "1614265330" || h["webhook-id"] != "msg_p5jXN8AQM9LWM0D4loKWxJek" || h["webhook-signature"] != got {
		t.Fatalf("Headers = %v, %v", h, err)
	}
}

func TestSecrets(t *testing.T) {
	s := webhook.NewSecret()
	key, err := webhook.SecretKey(s)
	if err != nil || len(key) != 32 || !strings.HasPrefix(s, "whsec_") || s == webhook.NewSecret() {
		t.Fatalf("NewSecret %q → %d bytes, %v", s, len(key), err)
	}
	for _, bad := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_!!!", "whsec_YWJj"} {
		if _, err := webhook.SecretKey(bad); !errors.Is(err, webhook.ErrSecret) {
			t.Errorf("SecretKey(%q) = %v", bad, err)
		}
	}
	id := webhook.NewMessageID()
	if !strings.HasPrefix(id, "msg_") || len(id) != 30 || strings.Contains(id, ".") || id == webhook.NewMessageID() {
		t.Fatalf("NewMessageID %q", id)
	}
}

// TestScheduleSpansADay: the default schedule retries over more than 24
// hours, doubling at least in its first steps; the last attempt gives up.
func TestScheduleSpansADay(t *testing.T) {
	if span := webhook.Span(webhook.Schedule); span < 24*time.Hour {
		t.Fatalf("the schedule spans only %s", span)
	}
	for i := 2; i < len(webhook.Schedule); i++ {
		if webhook.Schedule[i] <= webhook.Schedule[i-1] {
			t.Fatalf("step %d (%s) is not longer than the one before", i, webhook.Schedule[i])
		}
	}
	for attempt := 1; attempt < len(webhook.Schedule); attempt++ {
		d, giveUp := webhook.NextDelay(webhook.Schedule, attempt, 0)
		base := webhook.Schedule[attempt]
		if giveUp || d < base || d > base+base/10 {
			t.Errorf("after attempt %d: %s, give up %v (base %s)", attempt, d, giveUp, base)
		}
	}
	if _, giveUp := webhook.NextDelay(webhook.Schedule, len(webhook.Schedule), 0); !giveUp {
		t.Error("the last attempt does not give up")
	}
	// Retry-After is honoured up to the step after next
	if d, _ := webhook.NextDelay(webhook.Schedule, 1, time.Minute); d != time.Minute {
		t.Errorf("Retry-After 1 min after the first attempt: %s", d)
	}
	if d, _ := webhook.NextDelay(webhook.Schedule, 1, 24*time.Hour); d != 5*time.Minute {
		t.Errorf("Retry-After 24 h after the first attempt: %s, want the next step's 5 min", d)
	}
	s, err := webhook.ParseSchedule(webhook.FormatSchedule(webhook.Schedule))
	if err != nil || len(s) != len(webhook.Schedule) || s[7] != 14*time.Hour {
		t.Fatalf("round trip: %v %v", s, err)
	}
	for _, bad := range []string{"", "5s,x", "-1s", "0,,1s"} {
		if _, err := webhook.ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", bad)
		}
	}
}

func TestBlocked(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
		"::1", "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1", "255.255.255.255", "64:ff9b::a00:1"} {
		if !webhook.Blocked(netip.MustParseAddr(ip)) {
			t.Errorf("%s is not blocked", ip)
		}
	}
	for _, ip := range []string{"93.184.215.14", "8.8.8.8", "2a00:1450:4001:80b::200e", "::ffff:93.184.215.14"} {
		if webhook.Blocked(netip.MustParseAddr(ip)) {
			t.Errorf("%s is blocked", ip)
		}
	}
}

func TestCheckURL(t *testing.T) {
	resolve := func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "hooks.autohaus.de":
			return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
		case "intern.autohaus.de":
			return []netip.Addr{netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("10.0.0.5")}, nil
		}
		return nil, errors.New("no such host")
	}
	strict := webhook.Policy{Resolve: resolve}
	open := webhook.Policy{AllowPrivate: true}
	tests := []struct {
		p    webhook.Policy
		url  string
		code string // "" valid
	}{
		{strict, "https://hooks.autohaus.de/mietwerk", ""},
		{strict, " https://hooks.autohaus.de:8443/a?b=c ", ""},
		{strict, "https://93.184.215.14/x", ""},
		{strict, "", "webhook.url_required"},
		{strict, "hooks.autohaus.de/x", "webhook.url_invalid"},
		{strict, "ftp://hooks.autohaus.de/x", "webhook.url_invalid"},
		{strict, "https://hooks.autohaus.de/a b", "webhook.url_invalid"},
		{strict, "https://hooks.autohaus.de/\x00", "webhook.url_invalid"},
		{strict, "http://hooks.autohaus.de/x", "webhook.url_https"},
		{strict, "https://user:pw@hooks.autohaus.de/x", "webhook.url_credentials"},
		{strict, "https://hooks.autohaus.de/x#frag", "webhook.url_fragment"},
		{strict, "https://127.0.0.1/x", "webhook.url_private"},
		{strict, "https://[::1]/x", "webhook.url_private"},
		{strict, "https://169.254.169.254/latest/meta-data", "webhook.url_private"},
		{strict, "https://localhost/x", "webhook.url_private"},
		{strict, "https://intranet/x", "webhook.url_private"},
		{strict, "https://intern.autohaus.de/x", "webhook.url_private"},
		{strict, "https://gibt-es-nicht.autohaus.de/x", "webhook.url_unresolvable"},
		{strict, "https://hooks.autohaus.de/" + strings.Repeat("a", webhook.MaxURL), "field.too_long"},
		{open, "http://127.0.0.1:8080/x", ""},
		{open, "http://localhost/x", ""},
	}
	for _, tt := range tests {
		got, fe := tt.p.CheckURL(context.Background(), "url", tt.url)
		switch {
		case tt.code == "" && fe != nil:
			t.Errorf("%q refused: %+v", tt.url, fe)
		case tt.code == "" && got != strings.TrimSpace(tt.url):
			t.Errorf("%q → %q", tt.url, got)
		case tt.code != "" && (fe == nil || string(fe.Code) != tt.code || fe.Field != "url"):
			t.Errorf("%q: %+v, want %s", tt.url, fe, tt.code)
		}
	}
}

func TestParseTypes(t *testing.T) {
	got, fe := webhook.ParseTypes("events", "booking.confirmed, Booking.Cancelled booking.confirmed")
	if fe != nil || len(got) != 2 || got[0] != webhook.BookingConfirmed || got[1] != webhook.BookingCancelled {
		t.Fatalf("%v %v", got, fe)
	}
	for _, all := range []string{"", "*", strings.Join(typeNames(), ",")} {
		if got, fe := webhook.ParseTypes("events", all); fe != nil || got != nil {
			t.Errorf("%q: %v %v, want every type", all, got, fe)
		}
	}
	if _, fe := webhook.ParseTypes("events", "booking.confirmed,booking.paid"); fe == nil || fe.Code != "webhook.event_unknown" {
		t.Fatalf("unknown type: %+v", fe)
	}
}

func typeNames() []string {
	var out []string
	for _, t := range webhook.Types {
		out = append(out, string(t))
	}
	return out
}

func TestBody(t *testing.T) {
	ev := webhook.Event{Type: webhook.BookingConfirmed, OccurredAt: time.Date(2026, 11, 27, 9, 30, 1, 250_000_000, time.FixedZone("CET", 3600))}
	b, err := webhook.Body(ev, []byte(`{"number":"B26-00001"}`))
	if err != nil || string(b) != `{"type":"booking.confirmed","timestamp":"2026-11-27T08:30:01.25Z","data":{"number":"B26-00001"}}` {
		t.Fatalf("%s %v", b, err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if webhook.BookingConfirmed.Object() != webhook.ObjectBooking || webhook.PaymentFailed.Object() != webhook.ObjectPayment {
		t.Fatal("Object")
	}
}

func TestEndpointWants(t *testing.T) {
	e := webhook.Endpoint{Enabled: true, Events: []webhook.Type{webhook.BookingCancelled}}
	if !e.Wants(webhook.BookingCancelled, false) || e.Wants(webhook.BookingConfirmed, false) || e.Wants(webhook.BookingCancelled, true) {
		t.Fatal("filter or mode ignored")
	}
	e.Enabled = false
	if e.Wants(webhook.BookingCancelled, false) {
		t.Fatal("a disabled endpoint wants events")
	}
	var _ = errs.KindInvalid
}
