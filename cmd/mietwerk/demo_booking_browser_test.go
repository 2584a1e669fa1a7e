package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestDemoBookingPageInBrowser runs `mietwerk demo` and drives its example
// integration /demo/booking in headless Chromium: the page carries the demo
// API key (nothing to paste), loads the stations, shows the quote, books
// with the test card and shows the confirmation with the booking number,
// which the API then knows.
func TestDemoBookingPageInBrowser(t *testing.T) {
	dir := t.TempDir()
	p := start(t, childEnv(), "demo", "--addr", "127.0.0.1:0", "--data-dir", dir)
	creds := readCreds(t, dir)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "demo-booking-failed")
			t.Fatalf("%s: %v\nserver log:\n%s", step, err, p.stderr.String())
		}
	}
	poll := func(step, expr string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr))
		fail(step, err)
	}

	fail("open", chromedp.Do(ctx, chromedp.Navigate(p.url+"/demo/booking"), chromedp.WaitVisible(chromedp.ID("f"))))
	key, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("key")))
	fail("read key", err)
	if key != creds.APIKey {
		t.Fatalf("the demo page carries key %q, want the demo tenant's key", key)
	}
	poll("stations loaded", `document.querySelectorAll("#station option").length >= 3`)

	pickup := weekdayAt(4, 9)
	ret := weekdayAt(6, 17)
	local := func(x time.Time) string { return x.Format("2006-01-02T15:04") }
	// datetime-local fields are set by script (typing depends on the locale)
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){
		var s=document.getElementById("station"); s.value="SR";
		document.getElementById("pickup").value="`+local(pickup.UTC())+`";
		document.getElementById("return").value="`+local(ret.UTC())+`";
		return true})()`))
	fail("set period", err)
	fail("check", chromedp.Do(ctx, chromedp.Click(chromedp.ID("check"))))
	poll("quote shown", `document.querySelectorAll("#quote .ok").length > 0`)
	quote, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#quote .ok")))
	fail("read quote", err)
	if !strings.Contains(quote, "€") || !strings.Contains(quote, "Kaution") {
		t.Fatalf("quote %q shows no price and deposit", quote)
	}
	testenv.Screenshot(t, ctx, "demo-booking-01-quote")

	for id, v := range map[string]string{"email": "browser.kunde@example.de", "first_name": "Lena", "last_name": "Maier",
		"street": "Bahnhofstraße 3", "postal_code": "94315", "city": "Straubing", "phone": "+49 9421 12345"} {
		fail("type "+id, chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID(id), v)))
	}
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){document.getElementById("birth_date").value="1988-07-21";
		document.getElementById("card_number").value="4111111111111111";return true})()`))
	fail("birth date and card", err)
	fail("book", chromedp.Do(ctx, chromedp.Click(chromedp.ID("book"))))
	poll("answer shown", `document.querySelector("#result").textContent.length > 0`)
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("result")))
	fail("read result", err)
	testenv.Screenshot(t, ctx, "demo-booking-02-confirmation")
	m := regexp.MustCompile(`Gebucht! Buchungsnummer (\S+), Rechnung (\S+),`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no confirmation with a booking number: %q", text)
	}
	if !strings.Contains(text, "•••• 1111") || strings.Contains(text, "4111111111111111") {
		t.Errorf("confirmation %q: want the card's last four digits only", text)
	}
	// the page's public key reaches the booking only with its secret, which the page kept
	if status, _, body, err := apiCall(t, "GET", p.url+"/api/v1/bookings/"+m[1], creds.APIKey, nil); err != nil || status != 403 ||
		body["code"] != "booking_secret_required" {
		t.Fatalf("GET booking %s with the public key and no secret: %d %v %v; want 403 booking_secret_required", m[1], status, body, err)
	}
	if status, _, body, err := apiCall(t, "GET", p.url+"/api/v1/bookings/"+m[1], creds.SecretAPIKey, nil); err != nil || status != 200 {
		t.Fatalf("GET booking %s with the secret key: %d %v %v", m[1], status, body, err)
	}
	fail("show booking", chromedp.Do(ctx, chromedp.Click(chromedp.ID("show"))))
	poll("status shown", `document.querySelector("#status").textContent.length > 0`)
	if text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("status"))); err != nil || !strings.Contains(text, m[1]+": bestätigt") {
		t.Fatalf("booking status on the page: %q %v", text, err)
	}
	fail("cancel booking", chromedp.Do(ctx, chromedp.Click(chromedp.ID("cancel"))))
	poll("cancelled", `document.querySelector("#status").textContent.indexOf("Storniert") >= 0`)
	text, err = chromedp.Run(ctx, chromedp.Text(chromedp.ID("status")))
	fail("read cancellation", err)
	testenv.Screenshot(t, ctx, "demo-booking-03-cancelled")
	if !strings.Contains(text, m[1]+": storniert, erstattet") {
		t.Fatalf("cancellation on the page: %q", text)
	}
	p.stop()
}
