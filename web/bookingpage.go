package web

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/tenancy"
)

// PageDeps is what the customer's own booking page needs.
type PageDeps struct {
	Pages     booking.PageStore
	Bookings  *booking.Service  // the booking, the cancellation terms, the cancellation
	Contracts *contract.Service // the pre-check-in; nil: not offered
	Tenancy   tenancy.Store
	Documents DocumentReader
	// Calendar returns the booking's calendar file as the confirmation
	// attaches it (file name and bytes).
	Calendar func(m booking.MailContext) (string, []byte)
	Logger   *slog.Logger
	Now      func() time.Time
}

// DocumentReader reads an issued document's stored bytes.
type DocumentReader interface {
	Document(ctx context.Context, id int64) (document.Stored, error)
}

type pageApp struct {
	d    PageDeps
	log  *slog.Logger
	tmpl templates
}

// PagePrefix is where the customer's booking pages live: PagePrefix and
// the token from the confirmation's link.
const PagePrefix = "/b/"

// NewBookingPages returns the handler of the customers' own booking pages
// under /b/{token}: the booking with its invoices (PDF) and calendar entry
// (.ics), a cancellation with its fee shown first, and the pre-check-in
// of the drivers' licences. The unguessable token in the confirmation's
// link (only its hash is stored) is the only authority: there is no
// sign-in. German or English (?lang=, else the booking's language); the
// pages are made for phones first.
func NewBookingPages(d PageDeps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	t, err := parseTemplates()
	if err != nil {
		panic(fmt.Sprintf("web: templates: %v", err))
	}
	p := &pageApp{d: d, log: d.Logger, tmpl: t}
	mux := http.NewServeMux()
	mux.Handle("GET /b/static/page.css", pageStatic())
	mux.HandleFunc("GET /b/{token}", p.page)
	mux.HandleFunc("GET /b/{token}/invoices/{id}", p.invoicePDF)
	mux.HandleFunc("GET /b/{token}/calendar.ics", p.calendar)
	mux.HandleFunc("GET /b/{token}/cancel", p.cancelConfirm)
	mux.HandleFunc("POST /b/{token}/cancel", p.cancel)
	mux.HandleFunc("POST /b/{token}/checkin", p.checkin)
	mux.HandleFunc("/b/", func(w http.ResponseWriter, r *http.Request) { p.notFound(w, r) })
	return pageHeaders(p.guard(mux))
}

// pageHeaders sets the security headers of the booking pages: those of
// the admin web, and no caching, no indexing, no framing.
func pageHeaders(next http.Handler) http.Handler {
	return securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Robots-Tag", "noindex, nofollow")
		next.ServeHTTP(w, r)
	}))
}

// guard refuses cross-origin state changes and control characters in
// parameters before any handler runs, as the admin web does.
func (p *pageApp) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if unsafeMethod(r.Method) {
			if !sameOrigin(r) {
				p.log.WarnContext(r.Context(), "booking page: cross-origin request refused", "path_prefix", PagePrefix)
				p.errorPage(w, r, http.StatusForbidden)
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				p.errorPage(w, r, http.StatusRequestEntityTooLarge)
				return
			}
		}
		if _, bad := badParam(r); bad {
			p.errorPage(w, r, http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// pageCtx is one request's booking, found by its token, with the context
// acting for its tenant.
type pageCtx struct {
	ctx   context.Context
	token string
	lang  string
	d     booking.Details
	tn    tenancy.Tenant
}

// load finds the booking of the {token} path value. An unknown token, or
// the booking of a customer who asked for erasure, is the 404 page.
func (p *pageApp) load(w http.ResponseWriter, r *http.Request) (*pageCtx, bool) {
	token := r.PathValue("token")
	if len(token) < 20 || len(token) > 100 {
		p.notFound(w, r)
		return nil, false
	}
	res, err := p.d.Pages.ReservationByPageToken(r.Context(), identity.HashToken(token))
	if errs.Is(err, errs.KindNotFound) {
		p.notFound(w, r)
		return nil, false
	}
	if err != nil {
		p.fail(w, r, err)
		return nil, false
	}
	// The token is the customer's authority over this one booking: the
	// page acts as its tenant's system for it, and for nothing else.
	a := identity.SystemFor(res.TenantID)
	a.Name = "customer:" + res.Number
	a.RequestID = httpx.RequestID(r.Context())
	pc := &pageCtx{ctx: identity.WithActor(r.Context(), a), token: token}
	if pc.d, err = p.d.Bookings.Get(pc.ctx, res.Number); err != nil {
		p.fail(w, r, err)
		return nil, false
	}
	if pc.d.Customer.RestrictedAt != nil {
		p.notFound(w, r)
		return nil, false
	}
	if pc.tn, err = p.d.Tenancy.Tenant(pc.ctx); err != nil {
		p.fail(w, r, err)
		return nil, false
	}
	pc.lang = pageLang(r, pc.d.Reservation.Language)
	return pc, true
}

// pageLang is the page's language: ?lang=, else the booking's, else German.
func pageLang(r *http.Request, booked string) string {
	if l := r.URL.Query().Get("lang"); validLang(l) {
		return l
	}
	if l := r.PostFormValue("lang"); validLang(l) {
		return l
	}
	if validLang(booked) {
		return booked
	}
	return "de"
}

// pageView is what the booking page templates receive.
type pageView struct {
	Lang, Title string
	Tenant      string
	Token       string
	Notice      string
	Alert       string
	Errors      map[string]string
	Data        any
	loc         *time.Location
}

// T translates key into the page's language.
func (v *pageView) T(key string, args ...any) string {
	return translate(v.Lang, locale.Key(key), args...)
}

// Err returns the error message of field, or "".
func (v *pageView) Err(field string) string { return v.Errors[field] }

// Money formats an amount in euros in the page's language ("49,00 €").
func (v *pageView) Money(cents int64) string { return locale.Lang(v.Lang).Money(cents) }

// When formats an instant in the station's time zone.
func (v *pageView) When(t time.Time) string { return formatTime(v.Lang, t, v.loc) }

// OtherLang is the language the switch offers.
func (v *pageView) OtherLang() string {
	if v.Lang == "en" {
		return "de"
	}
	return "en"
}

// URL is the path of the page's sub-path sub, in its language.
func (v *pageView) URL(sub string) string {
	return PagePrefix + url.PathEscape(v.Token) + sub + "?lang=" + v.Lang
}

// LangURL is this page in the other language.
func (v *pageView) LangURL(sub string) string {
	return PagePrefix + url.PathEscape(v.Token) + sub + "?lang=" + v.OtherLang()
}

func (p *pageApp) render(w http.ResponseWriter, r *http.Request, status int, page string, v *pageView) {
	var buf bytes.Buffer
	if err := p.tmpl[page].ExecuteTemplate(&buf, "page-layout", v); err != nil {
		p.fail(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (p *pageApp) view(pc *pageCtx, title string, data any) *pageView {
	return &pageView{Lang: pc.lang, Title: title, Tenant: pc.tn.Name, Token: pc.token, Data: data, loc: pc.d.Station.Location()}
}

// errorPage answers status with the page's short error page.
func (p *pageApp) errorPage(w http.ResponseWriter, r *http.Request, status int) {
	lang := pageLang(r, "")
	v := &pageView{Lang: lang, Title: "page.error_title", Data: status}
	var buf bytes.Buffer
	if err := p.tmpl["page_error"].ExecuteTemplate(&buf, "page-layout", v); err != nil {
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (p *pageApp) notFound(w http.ResponseWriter, r *http.Request) {
	p.errorPage(w, r, http.StatusNotFound)
}

// fail answers err: its status page; unexpected errors are logged.
func (p *pageApp) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := httpx.Status(err)
	if status >= 500 {
		p.log.ErrorContext(r.Context(), "booking page failed", "request_id", httpx.RequestID(r.Context()), "err", err)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", httpx.RetryAfterSeconds)
	}
	p.errorPage(w, r, status)
}

// pageData is what the booking page shows.
type pageData struct {
	D          booking.Details
	Card       string // brand and last digits of the card, "" when none
	Deposit    int64  // held or charged now
	Invoices   []invoice.Summary
	Terms      *booking.CancelQuote // nil: cannot be cancelled online (now)
	Checkin    *booking.PreCheckin  // the pre-check-in made, if any
	CanCheckin bool
	Drivers    []pageDriver // the form's drivers
	OpenForm   bool         // the pre-check-in form starts open (errors, or none yet)
}

// pageDriver is one driver of the pre-check-in form.
type pageDriver struct {
	N int
	contract.Driver
}

// StatusKey is the catalog key of the booking's status.
func (d pageData) StatusKey() string { return "page.status." + string(d.D.Reservation.Status) }

func (p *pageApp) page(w http.ResponseWriter, r *http.Request) {
	pc, ok := p.load(w, r)
	if !ok {
		return
	}
	v := p.view(pc, "page.title", nil)
	switch r.URL.Query().Get("done") {
	case "cancelled":
		v.Notice = v.T("page.cancelled_ok")
	case "checkin":
		v.Notice = v.T("page.checkin_ok")
	}
	d, err := p.data(pc, nil)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v.Data = d
	p.render(w, r, http.StatusOK, "page_booking", v)
}

// data gathers the page's data; form, when set, are the drivers as entered.
func (p *pageApp) data(pc *pageCtx, form []contract.Driver) (pageData, error) {
	d := pageData{D: pc.d, Invoices: pc.d.Invoices}
	reversed := map[int64]bool{}
	for _, x := range pc.d.Payments {
		if x.ParentID != 0 && x.Status == payment.StatusApproved {
			reversed[x.ParentID] = true
		}
	}
	for _, x := range pc.d.Payments {
		if x.Card.Last4 != "" && d.Card == "" {
			d.Card = strings.TrimSpace(string(x.Card.Brand) + " •••• " + x.Card.Last4)
		}
		if x.ParentID == 0 && x.Purpose == booking.PurposeDeposit && x.Status == payment.StatusApproved && !reversed[x.ID] {
			d.Deposit += x.Amount.Cents
		}
	}
	r := pc.d.Reservation
	if r.Status == booking.StatusConfirmed && r.Pickup.After(p.d.Now()) {
		t, err := p.d.Bookings.CancelPreview(pc.ctx, r.Number)
		if err == nil {
			d.Terms = &t
		} else if !errs.Is(err, errs.KindConflict) {
			return d, err
		}
		d.CanCheckin = p.d.Contracts != nil
	}
	if pre, ok, err := p.d.Pages.PreCheckin(pc.ctx, r.ID); err != nil {
		return d, err
	} else if ok {
		d.Checkin = &pre
	}
	switch {
	case form != nil:
		d.OpenForm = true
		for i, dr := range form {
			d.Drivers = append(d.Drivers, pageDriver{i, dr})
		}
	case d.Checkin != nil:
		for i, dr := range contract.DriversOf(*d.Checkin) {
			d.Drivers = append(d.Drivers, pageDriver{i, dr})
		}
	default:
		d.OpenForm = true
		c := pc.d.Customer
		d.Drivers = []pageDriver{{0, contract.Driver{Role: contract.RoleMain, FirstName: c.FirstName, LastName: c.LastName,
			BirthDate: c.BirthDate, LicenceCountry: "DE", LicenceClass: "B"}}}
	}
	if len(d.Drivers) < 2 {
		d.Drivers = append(d.Drivers, pageDriver{len(d.Drivers), contract.Driver{Role: contract.RoleAdditional}})
	}
	return d, nil
}

// invoicePDF serves an issued invoice or credit note of the booking (or
// its contract) as stored.
func (p *pageApp) invoicePDF(w http.ResponseWriter, r *http.Request) {
	pc, ok := p.load(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var inv *invoice.Summary
	for i := range pc.d.Invoices {
		if err == nil && pc.d.Invoices[i].ID == id {
			inv = &pc.d.Invoices[i]
		}
	}
	if inv == nil {
		p.notFound(w, r)
		return
	}
	doc, err := p.d.Documents.Document(pc.ctx, inv.DocumentID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+fileSafe(inv.Number, "invoice")+`.pdf"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(doc.Data)))
	w.Write(doc.Data)
}

// calendar serves the booking's calendar file (the same events as the
// confirmation's attachment).
func (p *pageApp) calendar(w http.ResponseWriter, r *http.Request) {
	pc, ok := p.load(w, r)
	if !ok {
		return
	}
	c := pc.d.Customer
	c.Language = pc.lang
	name, data := p.d.Calendar(booking.MailContext{Tenant: pc.tn, Station: pc.d.Station, Category: pc.d.Category, Customer: c,
		Reservation: pc.d.Reservation})
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+fileSafe(strings.TrimSuffix(name, ".ics"), "booking")+`.ics"`)
	w.Write(data)
}

// cancelData is what the cancellation's confirmation shows.
type cancelData struct {
	D     booking.Details
	Terms booking.CancelQuote
}

// cancelConfirm shows what cancelling now costs and returns, before the
// customer confirms it.
func (p *pageApp) cancelConfirm(w http.ResponseWriter, r *http.Request) {
	pc, ok := p.load(w, r)
	if !ok {
		return
	}
	t, err := p.d.Bookings.CancelPreview(pc.ctx, pc.d.Reservation.Number)
	if errs.Is(err, errs.KindConflict) {
		http.Redirect(w, r, (&pageView{Lang: pc.lang, Token: pc.token}).URL(""), http.StatusSeeOther)
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "page_cancel", p.view(pc, "page.cancel_title", cancelData{D: pc.d, Terms: t}))
}

// cancel cancels the booking under the tenant's rules: the fee is the one
// the confirmation showed unless the free period ended meanwhile, which
// the form's expected fee tells: then the confirmation is shown again with
// the new fee.
func (p *pageApp) cancel(w http.ResponseWriter, r *http.Request) {
	pc, ok := p.load(w, r)
	if !ok {
		return
	}
	v := &pageView{Lang: pc.lang, Token: pc.token}
	t, err := p.d.Bookings.CancelPreview(pc.ctx, pc.d.Reservation.Number)
	if err == nil && r.PostFormValue("fee") != strconv.FormatInt(t.FeeCents, 10) {
		cv := p.view(pc, "page.cancel_title", cancelData{D: pc.d, Terms: t})
		cv.Alert = cv.T("page.fee_changed")
		p.render(w, r, http.StatusConflict, "page_cancel", cv)
		return
	}
	if err == nil {
		_, err = p.d.Bookings.Cancel(pc.ctx, pc.d.Reservation.Number)
	}
	if errs.Is(err, errs.KindConflict) {
		pc2, ok := p.load(w, r)
		if !ok {
			return
		}
		p.renderBooking(w, r, pc2, nil, http.StatusConflict, errs.Text(locale.Lang(pc.lang), err), nil)
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.log.InfoContext(r.Context(), "booking cancelled by the customer on the booking page", "booking", pc.d.Reservation.Number,
		"request_id", httpx.RequestID(r.Context()))
	http.Redirect(w, r, v.URL("")+"&done=cancelled", http.StatusSeeOther)
}

// checkin stores the drivers' licence data before pickup; invalid input is
// answered with the page and every problem at its field.
func (p *pageApp) checkin(w http.ResponseWriter, r *http.Request) {
	pc, ok := p.load(w, r)
	if !ok {
		return
	}
	if p.d.Contracts == nil {
		p.notFound(w, r)
		return
	}
	ds := driversFromForm(r)
	err := p.d.Contracts.PreCheckin(pc.ctx, pc.d.Reservation, ds)
	if err == nil {
		v := &pageView{Lang: pc.lang, Token: pc.token}
		http.Redirect(w, r, v.URL("")+"&done=checkin#checkin", http.StatusSeeOther)
		return
	}
	m, invalid := fieldErrors(pc.lang, err)
	if !invalid && !errs.Is(err, errs.KindConflict) {
		p.fail(w, r, err)
		return
	}
	alert := errs.Text(locale.Lang(pc.lang), err)
	if invalid {
		alert = translate(pc.lang, "form.has_errors")
	}
	p.renderBooking(w, r, pc, ds, http.StatusUnprocessableEntity, alert, m)
}

// renderBooking answers with the booking page again, with status, an alert
// and the field errors of the pre-check-in form filled with ds.
func (p *pageApp) renderBooking(w http.ResponseWriter, r *http.Request, pc *pageCtx, ds []contract.Driver, status int, alert string,
	fieldErrs map[string]string) {
	d, err := p.data(pc, ds)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.view(pc, "page.title", d)
	v.Alert, v.Errors = alert, fieldErrs
	p.render(w, r, status, "page_booking", v)
}

// pageStatic serves the booking pages' stylesheet.
func pageStatic() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := staticFS.ReadFile("static/page.css")
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Write(b)
	})
}
