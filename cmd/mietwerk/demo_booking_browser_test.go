package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// widgetTab drives the booking widget of the sample dealer page in one tab:
// everything inside the widget's shadow root is reached through script.
type widgetTab struct {
	t    *testing.T
	ctx  context.Context
	tab  context.Context
	stop func(step string, err error)
}

// js runs expr with W bound to the widget's shadow root and returns its value.
func js[T any](w *widgetTab, step, expr string) T {
	w.t.Helper()
	v, err := chromedp.Run(w.ctx, chromedp.Evaluate[T](`(function(){const W=document.querySelector("mietwerk-booking").shadowRoot;`+expr+`})()`))
	w.stop(step, err)
	return v
}

func (w *widgetTab) poll(step, cond string) {
	w.t.Helper()
	_, err := chromedp.Run(w.ctx, chromedp.Poll[bool](`(function(){const h=document.querySelector("mietwerk-booking");
		const W=h&&h.shadowRoot;if(!W)return false;`+cond+`})()`, chromedp.WithPollingTimeout(30*time.Second)))
	w.stop(step, err)
}

// fill types into the widget's fields as a person would: focus, select, keys.
func (w *widgetTab) fill(values map[string]string) {
	w.t.Helper()
	for name, v := range values {
		js[bool](w, "clear "+name, `const e=W.querySelector('[name="`+name+`"]');e.value="";e.focus();return true`)
		w.stop("type "+name, chromedp.Do(w.ctx, chromedp.KeyEvent(v)))
	}
}

// click presses the mouse on the middle of the widget element sel, n times
// in quick succession (n = 2: a double click).
func (w *widgetTab) click(step, sel string, n int) {
	w.t.Helper()
	box := js[[]float64](w, step, `const e=W.querySelector('`+sel+`');e.scrollIntoView({block:"center"});const r=e.getBoundingClientRect();
		return [r.left+r.width/2, r.top+r.height/2]`)
	var acts []chromedp.Action[chromedp.Void]
	for i := range n {
		acts = append(acts, chromedp.MouseEvent(chromedp.MousePressed, box[0], box[1], chromedp.ButtonLeft, chromedp.ClickCount(i+1)),
			chromedp.MouseEvent(chromedp.MouseReleased, box[0], box[1], chromedp.ButtonLeft, chromedp.ClickCount(i+1)))
	}
	w.stop(step, chromedp.Do(w.ctx, acts...))
}

// TestBookingWidgetInBrowser runs `mietwerk demo` on each database and books
// through the booking widget of the sample dealer page /demo/booking in
// headless Chromium, in a browser whose time zone is New York: axe-core finds
// nothing on the page (widget included); the calendar greys out the closed
// Sundays; the quote shows; an empty form answers every invalid field next to
// its field; a declined card says so at the card; a double click on "book"
// books once and charges once, and the times booked are the station's (09:00
// in Berlin); then the same in English.
func TestBookingWidgetInBrowser(t *testing.T) {
	for _, dbName := range []string{"sqlite", "postgres"} {
		t.Run(dbName, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"demo", "--addr", "127.0.0.1:0", "--data-dir", dir}
			dsn := filepath.Join(dir, "mietwerk.db")
			if dbName == "postgres" {
				dsn = testenv.PostgresDSN(t)
				args = append(args, "--database-url", dsn)
			}
			p := start(t, childEnv(), args...)
			creds := readCreds(t, dir)
			st, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			tab := testenv.Browser(t)
			ctx, cancel := context.WithTimeout(tab, 4*time.Minute)
			defer cancel()
			w := &widgetTab{t: t, ctx: ctx, tab: tab}
			w.stop = func(step string, err error) {
				t.Helper()
				if err != nil {
					testenv.Screenshot(t, tab, "widget-failed-"+dbName)
					t.Fatalf("%s: %v\nserver log:\n%s", step, err, p.stderr.String())
				}
			}
			zone := chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
				_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/New_York"})
				return chromedp.Void{}, err
			})
			w.stop("browser time zone", chromedp.Do(ctx, zone))
			defer chromedp.Do(tab, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
				_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{})
				return chromedp.Void{}, err
			}))
			for _, lang := range []string{"de", "en"} {
				bookWithWidget(t, w, p.url, lang, st.DB(), creds.APIKey, creds.SecretAPIKey)
			}
			p.stop()
		})
	}
}

func bookWithWidget(t *testing.T, w *widgetTab, base, lang string, db *sql.DB, key, secretKey string) {
	t.Helper()
	txt := map[string]map[string]string{
		"de": {"closed": "geschlossen", "check": "Bitte prüfen Sie", "declined": "abgelehnt", "booked": "Gebucht", "deposit": "Kaution",
			"label": "Kartennummer"},
		"en": {"closed": "closed", "check": "Please check", "declined": "declined", "booked": "Booked", "deposit": "Deposit",
			"label": "Card number"},
	}[lang]
	w.stop("open "+lang, chromedp.Do(w.ctx, chromedp.Navigate(base+"/demo/booking?lang="+lang)))
	w.poll("calendar shown", `return W.querySelectorAll("button.day").length>=28 && W.querySelector("#f-category").options.length>0`)
	if got := js[string](w, "key", `return document.querySelector("mietwerk-booking").getAttribute("api-key")`); got != key {
		t.Fatalf("the page embeds key %q, want the demo's public key", got)
	}
	if l := js[string](w, "label", `return W.querySelector('label[for="f-payment-card-number"]').textContent`); l != txt["label"] {
		t.Fatalf("%s: card label %q", lang, l)
	}
	if v := testenv.Axe(t, w.ctx); len(v) > 0 {
		testenv.Screenshot(t, w.ctx, "widget-axe-"+lang)
		t.Fatalf("%s: axe-core finds %d violations: %v", lang, len(v), v)
	}
	// closed Sundays are greyed out and say why
	sunday := js[string](w, "sunday", `const d=[...W.querySelectorAll("button.day")].find(b=>new Date(b.dataset.date+"T12:00:00Z").getUTCDay()===0);
		return (d.disabled?"disabled ":"")+d.querySelector(".sr").textContent`)
	if !strings.HasPrefix(sunday, "disabled ") || !strings.Contains(sunday, txt["closed"]) {
		t.Fatalf("%s: a Sunday reads %q", lang, sunday)
	}
	// pickup 4 weekdays ahead at 09:00, return two days later
	pickup, ret := weekdayAt(4, 9), weekdayAt(6, 9)
	for _, d := range []time.Time{pickup, ret} {
		month := d.Format("2006-01")
		for i := 0; js[string](w, "month", `return W.querySelector("button.day").dataset.date.slice(0,7)`) != month && i < 3; i++ {
			w.click("next month", "#next", 1)
			w.poll("month "+month, `const b=W.querySelector("button.day");return b&&b.dataset.date.slice(0,7)==="`+month+`"`)
		}
		w.click("day "+d.Format("2006-01-02"), `button.day[data-date="`+d.Format("2006-01-02")+`"]`, 1)
		w.poll("chosen", `return W.querySelector('button.day[data-date="`+d.Format("2006-01-02")+`"]').getAttribute("aria-pressed")==="true"`)
	}
	w.poll("quote", `const q=W.querySelector("#quote-box");return !!q && q.textContent.indexOf("€")>=0`)
	if q := js[string](w, "quote", `return W.querySelector("#quote-box").textContent`); !strings.Contains(q, txt["deposit"]) {
		t.Fatalf("%s: quote %q", lang, q)
	}
	if pt := js[string](w, "pickup time", `return W.querySelector("#f-pickup").value`); pt != "09:00" {
		t.Fatalf("%s: pickup time %q", lang, pt)
	}
	testenv.Screenshot(t, w.ctx, "widget-01-quote-"+lang)

	// an empty form: every invalid field next to its field, nothing booked
	w.click("book empty", "#book", 1)
	w.poll("field errors", `return W.querySelectorAll('[aria-invalid="true"]').length>=5`)
	for _, f := range []string{"customer-email", "customer-first_name", "customer-last_name", "payment-card-number"} {
		msg := js[string](w, "error of "+f, `const e=W.querySelector("#f-`+f+`");return e.getAttribute("aria-invalid")+" "+W.querySelector("#f-`+f+`-err").textContent`)
		if !strings.HasPrefix(msg, "true ") || len(msg) < 8 {
			t.Errorf("%s: field %s shows %q", lang, f, msg)
		}
	}
	if s := js[string](w, "summary", `return W.querySelector("#summary").textContent`); !strings.HasPrefix(s, txt["check"]) {
		t.Errorf("%s: error summary %q", lang, s)
	}
	if v := testenv.Axe(t, w.ctx); len(v) > 0 {
		t.Fatalf("%s: axe-core with field errors: %v", lang, v)
	}
	testenv.Screenshot(t, w.ctx, "widget-02-field-errors-"+lang)

	email := "widget." + lang + "@example.de"
	w.fill(map[string]string{"customer.first_name": "Lena", "customer.last_name": "Maier", "customer.email": email,
		"customer.phone": "+49 9421 12345", "customer.street": "Bahnhofstraße 3", "customer.postal_code": "94315",
		"customer.city": "Straubing", "payment.card.holder": "Lena Maier", "payment.card.number": telecashsim.CardDecline,
		"payment.card.exp_month": "12", "payment.card.exp_year": "2030", "payment.card.cvv": "123"})
	js[bool](w, "birth date", `const e=W.querySelector('[name="customer.birth_date"]');e.value="1988-07-21";return true`)
	// a declined card: said at the card field, nothing booked
	w.click("book declined", "#book", 1)
	w.poll("declined", `return W.querySelector("#f-payment-card-number").getAttribute("aria-invalid")==="true" &&
		W.querySelector("#f-payment-card-number-err").textContent.length>0`)
	if m := js[string](w, "decline text", `return W.querySelector("#summary").textContent`); !strings.Contains(strings.ToLower(m), txt["declined"]) {
		t.Errorf("%s: decline reads %q", lang, m)
	}
	testenv.Screenshot(t, w.ctx, "widget-03-declined-"+lang)
	// another card, and a double click: one booking, one charge
	w.fill(map[string]string{"payment.card.number": telecashsim.CardApproveVisa})
	// (clicks as fast as a script can: the second lands while the first request runs, wherever the
	// layout moved the button; a mouse double click at fixed coordinates may miss it after the error
	// summary above it disappears)
	js[bool](w, "book twice", `const b=W.querySelector("#book");b.click();b.click();return true`)
	w.poll("confirmation", `const d=W.querySelector("#done");return !d.hidden && !!W.querySelector("#booking-number")`)
	testenv.Screenshot(t, w.ctx, "widget-04-confirmation-"+lang)
	number := js[string](w, "number", `return W.querySelector("#booking-number").textContent`)
	conf := js[string](w, "confirmation", `return W.querySelector("#confirmation").textContent`)
	if !strings.Contains(conf, txt["booked"]) || !strings.Contains(conf, "•••• 1111") || strings.Contains(conf, telecashsim.CardApproveVisa) ||
		!strings.Contains(conf, "09:00") {
		t.Errorf("%s: confirmation %q", lang, conf)
	}
	var bookings, rent int
	if err := db.QueryRow(`SELECT count(*) FROM reservations r JOIN customers c ON c.id = r.customer_id WHERE c.email = $1 AND r.status = 'confirmed'`,
		email).Scan(&bookings); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM payments p JOIN reservations r ON r.id = p.reservation_id JOIN customers c ON c.id = r.customer_id
		WHERE c.email = $1 AND p.purpose = 'rent' AND p.status = 'approved'`, email).Scan(&rent); err != nil {
		t.Fatal(err)
	}
	if bookings != 1 || rent != 1 {
		t.Fatalf("%s: a double click left %d confirmed bookings and %d approved rent charges, want 1 and 1", lang, bookings, rent)
	}
	var at time.Time
	status, _, body, err := apiCall(t, "GET", base+"/api/v1/bookings/"+number, secretKey, nil)
	if err == nil && status == 200 {
		at, _ = time.Parse(time.RFC3339, fmt.Sprint(body["pickup"]))
	}
	if !at.Equal(pickup) {
		t.Errorf("%s: booked pickup %v (%d %v), want %v: 09:00 at the station, whatever the browser's zone", lang, at, status, err, pickup)
	}
	if v := testenv.Axe(t, w.ctx); len(v) > 0 {
		t.Fatalf("%s: axe-core on the confirmation: %v", lang, v)
	}
}
