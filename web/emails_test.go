package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/mail"
)

// pdfBytes stands for an invoice PDF; every byte value occurs, so a
// download that re-encodes anything cannot pass.
var pdfBytes = func() []byte {
	b := []byte("%PDF-1.7\n")
	for i := range 512 {
		b = append(b, byte(i))
	}
	return b
}()

// logoPNG is a 1×1 PNG, used as an inline image.
var logoPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// hostileHTML tries to run script in the admin UI, load remote content and
// post a form; the viewer must allow none of it.
const hostileHTML = `<!doctype html><html><body><p id="greeting">Guten Tag Frau Weiß,</p>
<img id="logo" src="cid:logo-1" alt="Logo"><img id="remote" src="https://tracker.example/pixel.png">
<script>document.body.setAttribute("data-pwned","1");try{parent.document.body.setAttribute("data-pwned","1")}catch(e){}</script>
<form action="https://evil.example/"><button>x</button></form></body></html>`

type mails struct {
	failed, sent, tenantWide, foreign int64
}

// seedMails queues messages through the store as the business code does
// and lets a worker fail one for good (REG), deliver one (MUC); one stays
// queued without station (tenant-wide), one belongs to the other tenant.
func seedMails(t *testing.T, e *env) mails {
	t.Helper()
	msg := func(subject, to string) mail.Message {
		return mail.Message{Kind: mail.KindAdvanceInvoice, Lang: "de",
			From:    mail.Address{Name: "Autohaus König", Email: "service@autohaus-koenig.de"},
			ReplyTo: mail.Address{Email: "regensburg@autohaus-koenig.de"},
			To:      mail.Address{Name: "Jürgen Weiß", Email: to}, Subject: subject,
			Text: "Guten Tag Herr Weiß,\nanbei Ihre Rechnung.\n<b>kein HTML</b>", HTML: hostileHTML,
			Attachments: []mail.Attachment{
				{Filename: "Rechnung RE-2026-000123 Weiß.pdf", ContentType: "application/pdf", Data: pdfBytes},
				{Filename: "logo.png", ContentType: "image/png", Data: logoPNG, Inline: true, ContentID: "logo-1"},
			}}
	}
	queue := func(ctx context.Context, station int64, subject, to string) int64 {
		q := mail.Queued{Links: mail.Links{StationID: station}, Message: msg(subject, to)}
		must(t, e.store.QueueEmail(ctx, &q))
		return q.ID
	}
	var m mails
	m.failed = queue(e.sys(), e.reg.ID, "Ihre Rechnung RE-2026-000123", "weiss@example.de")
	m.sent = queue(e.sys(), e.muc.ID, "Ihre Reservierung in München", "huber@example.de")
	root := identity.WithActor(context.Background(), identity.System())
	now := e.clk.Now()
	claimed, err := e.store.ClaimEmails(root, "host-a:4711", now, time.Minute, 10)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %d, %v", len(claimed), err)
	}
	must(t, e.store.MarkEmailFailed(root, m.failed, "host-a:4711", mail.Attempt{At: now, Worker: "host-a:4711",
		Response: "mail: permanent failure (550): 550 5.1.1 <weiss@example.de>: Recipient address rejected"}, now, true))
	must(t, e.store.MarkEmailSent(root, m.sent, "host-a:4711", mail.Attempt{At: now, OK: true, Worker: "host-a:4711",
		Response: "250 2.0.0 Ok: queued as 4F2A9"}))
	m.tenantWide = queue(e.sys(), 0, "Zahlung fehlgeschlagen", "buchhaltung@example.de")
	foreignCtx := identity.WithActor(context.Background(), identity.SystemFor(e.foreign.TenantID))
	m.foreign = queue(foreignCtx, e.foreign.ID, "Fremde Rechnung", "fremd@example.de")
	return m
}

var emailRowRE = regexp.MustCompile(`<tr data-email="(\d+)" data-status="(\w+)"`)

func listedEmails(p page) map[string]string {
	out := map[string]string{}
	for _, m := range emailRowRE.FindAllStringSubmatch(p.body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestEmailPages(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		m := seedMails(t, e)
		admin := e.client(t)
		admin.mustLogin(adminEmail)

		// The list: every message of the tenant, the failed one flagged.
		p := admin.get("/admin/emails")
		wantStatus(t, p, http.StatusOK)
		got := listedEmails(p)
		want := map[string]string{fmt.Sprint(m.failed): "failed", fmt.Sprint(m.sent): "sent", fmt.Sprint(m.tenantWide): "queued"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("admin list = %v, want %v", got, want)
		}
		wantContains(t, p, `id="failed-banner"`, "1 E-Mail konnte nicht zugestellt werden",
			`class="failed"`, "Recipient address rejected", "Anzahlungsrechnung", "weiss@example.de",
			"27.11.2026, 10:00 Uhr", `href="/admin/emails?status=failed"`, `href="/admin/emails"`)
		wantLacks(t, p, "Fremde Rechnung")

		p = admin.get("/admin/emails?status=failed")
		if got := listedEmails(p); len(got) != 1 || got[fmt.Sprint(m.failed)] != "failed" {
			t.Fatalf("failed filter lists %v", got)
		}
		for _, bad := range []string{"?status=deleted", "?page=0", "?page=zwei"} {
			p := admin.get("/admin/emails" + bad)
			wantStatus(t, p, http.StatusBadRequest)
		}
		wantContains(t, admin.get("/admin/emails?status=kaputt"), "Unbekannter Status")

		// Home: the failed e-mail is announced and links to the filtered list.
		p = admin.get("/admin/")
		wantContains(t, p, `href="/admin/emails?status=failed"`, `id="failed-emails"`, "Eine E-Mail konnte nicht zugestellt werden.", `href="/admin/emails"`)

		// The detail page.
		p = admin.get(fmt.Sprintf("/admin/emails/%d", m.failed))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "<th>Absender (From)</th>", "<th>Empfänger (To)</th>", "<th>Betreff</th>") // header names in German
		wantContains(t, p, "Ihre Rechnung RE-2026-000123", "Jürgen Weiß &lt;weiss@example.de&gt;",
			"regensburg@autohaus-koenig.de", "host-a:4711",
			"550 5.1.1", "Die Zustellung wurde nach 1 Versuch aufgegeben.",
			"Guten Tag Herr Weiß,\nanbei Ihre Rechnung.\n&lt;b&gt;kein HTML&lt;/b&gt;",
			fmt.Sprintf(`<iframe class="mailview" id="email-html" sandbox src="/admin/emails/%d/html"`, m.failed),
			fmt.Sprintf(`href="/admin/emails/%d/attachments/1"`, m.failed), "Rechnung RE-2026-000123 Weiß.pdf",
			"im Text eingebettet", `id="resend"`)
		wantLacks(t, p, "<script>", "tracker.example")

		// The HTML body: served alone under a policy without scripts.
		p = admin.get(fmt.Sprintf("/admin/emails/%d/html", m.failed))
		wantStatus(t, p, http.StatusOK)
		csp := p.header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "sandbox", "img-src data:", "frame-ancestors 'self'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("HTML body CSP %q lacks %q", csp, d)
			}
		}
		if strings.Contains(csp, "script-src") || p.header.Get("X-Frame-Options") != "SAMEORIGIN" {
			t.Errorf("HTML body headers: CSP %q, X-Frame-Options %q", csp, p.header.Get("X-Frame-Options"))
		}
		if strings.Contains(p.body, "cid:logo-1") || !strings.Contains(p.body, `src="data:image/png;base64,`) {
			t.Errorf("inline logo not embedded: %s", p.body)
		}

		// Attachments: byte-identical, with type and file name.
		p = admin.get(fmt.Sprintf("/admin/emails/%d/attachments/1", m.failed))
		wantStatus(t, p, http.StatusOK)
		if !bytes.Equal([]byte(p.body), pdfBytes) {
			t.Fatalf("attachment differs: %d bytes, want %d", len(p.body), len(pdfBytes))
		}
		if ct := p.header.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("Content-Type %q", ct)
		}
		disp, params, err := mime.ParseMediaType(p.header.Get("Content-Disposition"))
		if err != nil || disp != "attachment" || params["filename"] != "Rechnung RE-2026-000123 Weiß.pdf" {
			t.Errorf("Content-Disposition %q: %s %v %v", p.header.Get("Content-Disposition"), disp, params, err)
		}
		p = admin.get(fmt.Sprintf("/admin/emails/%d/attachments/2", m.failed))
		if p.header.Get("Content-Type") != "image/png" || p.body != string(logoPNG) {
			t.Errorf("inline image download: %q, %d bytes", p.header.Get("Content-Type"), len(p.body))
		}
		for _, path := range []string{"/attachments/3", "/attachments/0", "/attachments/x"} {
			wantStatus(t, admin.get(fmt.Sprintf("/admin/emails/%d%s", m.failed, path)), http.StatusNotFound)
		}

		// Another tenant's message does not exist for this user.
		for _, path := range []string{"", "/html", "/attachments/1"} {
			wantStatus(t, admin.get(fmt.Sprintf("/admin/emails/%d%s", m.foreign, path)), http.StatusNotFound)
		}
		wantStatus(t, admin.get("/admin/emails/999999"), http.StatusNotFound)
		wantStatus(t, admin.get("/admin/emails/abc"), http.StatusNotFound)

		// Resend: refused without the CSRF token, done with it, refused
		// while the message is queued.
		resend := fmt.Sprintf("/admin/emails/%d/resend", m.failed)
		wantStatus(t, admin.post(resend, url.Values{}), http.StatusForbidden)
		wantStatus(t, admin.post(resend, url.Values{"csrf": {"falsch"}}), http.StatusForbidden)
		tok := admin.token(fmt.Sprintf("/admin/emails/%d", m.failed))
		p = admin.post(resend, url.Values{"csrf": {tok}})
		wantStatus(t, p, http.StatusOK)
		if p.url.Path != fmt.Sprintf("/admin/emails/%d", m.failed) {
			t.Fatalf("resend landed on %s", p.url)
		}
		wantContains(t, p, "erneut in die Warteschlange gestellt", `id="email-status">In Warteschlange`)
		wantLacks(t, p, `id="resend"`)
		q, atts, err := e.store.Email(e.sys(), m.failed)
		if err != nil || q.Status != mail.StatusQueued || len(atts) != 1 {
			t.Fatalf("after resend: %s with %d attempts, %v", q.Status, len(atts), err)
		}
		p = admin.post(resend, url.Values{"csrf": {tok}})
		wantStatus(t, p, http.StatusConflict)
		wantContains(t, p, "bereits in der Warteschlange")
		wantStatus(t, admin.post(fmt.Sprintf("/admin/emails/%d/resend", m.foreign), url.Values{"csrf": {tok}}), http.StatusNotFound)

		// A station user sees only the messages of its station.
		st := e.client(t)
		st.mustLogin(stationEmail)
		p = st.get("/admin/emails")
		if got := listedEmails(p); len(got) != 1 || got[fmt.Sprint(m.failed)] == "" {
			t.Fatalf("station user lists %v, want only %d", got, m.failed)
		}
		wantStatus(t, st.get(fmt.Sprintf("/admin/emails/%d", m.failed)), http.StatusOK)
		for _, id := range []int64{m.sent, m.tenantWide, m.foreign} {
			for _, path := range []string{"", "/html", "/attachments/1"} {
				wantStatus(t, st.get(fmt.Sprintf("/admin/emails/%d%s", id, path)), http.StatusNotFound)
			}
			stTok := st.token("/admin/emails")
			wantStatus(t, st.post(fmt.Sprintf("/admin/emails/%d/resend", id), url.Values{"csrf": {stTok}}), http.StatusNotFound)
		}
		if q, _, _ := e.store.Email(e.sys(), m.sent); q.Status != mail.StatusSent {
			t.Fatalf("another station's message changed to %s", q.Status)
		}

		// English.
		en := e.client(t)
		en.mustLogin(adminEmail)
		en.get("/admin/lang?l=en&next=/admin/emails")
		p = en.get("/admin/emails")
		wantContains(t, p, ">Failed (0)<", "Advance invoice", "27 Nov 2026, 10:00", "<th>Recipient</th>")
	})
}

// TestEmailListPaging pages through more messages than fit on one page.
func TestEmailListPaging(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	for i := range 27 {
		q := mail.Queued{Links: mail.Links{StationID: e.reg.ID}, Message: mail.Message{Kind: mail.KindReturnProtocol, Lang: "de",
			From: mail.Address{Email: "service@autohaus-koenig.de"}, To: mail.Address{Email: fmt.Sprintf("k%d@example.de", i)},
			Subject: fmt.Sprintf("Protokoll %02d", i), Text: "Text"}}
		must(t, e.store.QueueEmail(e.sys(), &q))
	}
	c := e.client(t)
	c.mustLogin(adminEmail)
	p1 := c.get("/admin/emails")
	p2 := c.get("/admin/emails?page=2")
	if n1, n2 := len(listedEmails(p1)), len(listedEmails(p2)); n1 != 25 || n2 != 2 {
		t.Fatalf("page sizes %d and %d, want 25 and 2", n1, n2)
	}
	wantContains(t, p1, "Seite 1 von 2 (27 E-Mails)", `href="/admin/emails?page=2"`, "Protokoll 26")
	wantContains(t, p2, "Seite 2 von 2", `rel="prev"`, "Protokoll 00")
	wantLacks(t, p2, `rel="next"`, "Protokoll 26")
	p3 := c.get("/admin/emails?page=3")
	wantStatus(t, p3, http.StatusOK)
	wantContains(t, p3, "Keine E-Mails gefunden.")
	if p := c.get("/admin/emails?status=sent"); len(listedEmails(p)) != 0 {
		t.Fatal("sent filter lists queued messages")
	}
}

// TestBrowserEmailView opens a message with hostile HTML in headless
// Chromium: the body shows in the iframe, its script never runs, neither
// in the frame nor in the admin page.
func TestBrowserEmailView(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	m := seedMails(t, e)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "emails-failed")
			t.Fatalf("%s: %v", step, err)
		}
	}
	fail("sign in", chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/admin/emails"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), adminEmail),
		chromedp.SendKeys(chromedp.ID("f-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("emails")),
	))
	testenv.Screenshot(t, ctx, "emails-list")
	fail("open detail", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/admin/emails/%d"]`, m.failed))),
		chromedp.WaitVisible(chromedp.ID("email-html")),
	))
	// Wait until the frame has loaded its document.
	var loaded bool
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !loaded; time.Sleep(50 * time.Millisecond) {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByName(new URL(document.getElementById("email-html").src, location.href).href).length`))
		fail("frame load", err)
		loaded = n > 0
	}
	if !loaded {
		t.Fatal("the HTML body was never loaded into the frame")
	}
	time.Sleep(300 * time.Millisecond) // a script, were it allowed, would have run by now
	testenv.Screenshot(t, ctx, "emails-detail")
	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.hasAttribute("data-pwned")`))
	fail("check page", err)
	if pwned {
		t.Fatal("a script in the e-mail changed the admin page")
	}
	// The sandboxed frame has an opaque origin: the admin page cannot (and
	// need not) look inside; its own script would have been blocked by the
	// CSP, which the HTTP test checks. The frame's document is fetched with
	// the same session, so the page shows the body:
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch(document.getElementById("email-html").src).then(r => r.status)`, chromedp.EvalAwaitPromise))
	fail("fetch body", err)
	if status != http.StatusOK {
		t.Fatalf("HTML body answered %d in the browser", status)
	}
}
