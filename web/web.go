// Package web is the admin web application of Mietwerk: server-rendered
// html/template pages with htmx under /admin/, in German (default) and
// English, with server-side sessions, CSRF protection and security headers.
//
// The package only talks to the domain through identity.Service and the
// identity and tenancy stores; every store call carries the signed-in user's
// identity.Actor, so tenant and station scoping is decided by the store.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/search"
	"mietwerk.dev/mietwerk/tenancy"
	"mietwerk.dev/mietwerk/webhook"
)

// Deps is what the admin web application needs.
type Deps struct {
	Identity      *identity.Service
	Users         identity.Store
	Tenancy       tenancy.Store
	Logger        *slog.Logger     // default: slog.Default()
	Now           func() time.Time // default: time.Now
	SecureCookies bool             // set the Secure flag on cookies (true in production, false for http://localhost)
	// TrustedProxies are the reverse proxies whose X-Forwarded-For or
	// Forwarded header names the client (sign-in throttling); none: the
	// connection's peer is the client.
	TrustedProxies httpx.Proxies

	Fleet      fleet.Store         // vehicles, categories, blocking periods
	Damages    fleet.DamageStore   // damages, photo metadata, condition history
	Categories fleet.CategoryAdmin // category editing
	Pricing    pricing.Store       // tariffs
	Tariffs    pricing.Admin       // tariff editing
	Photos     fleet.PhotoStore    // photo bytes outside the database; nil: in the database
	// PhotoDecoder bounds the memory photo decoding takes at once; nil: a
	// decoder with a budget of photoDecodeBudget.
	PhotoDecoder *fleet.Decoder
	EInvoicer    document.EInvoicer // e-invoice downloads of issued invoices; nil: not offered
	Mail         mail.AdminStore    // the e-mail outbox for the "E-Mails" pages; nil: pages answer 404
	Bookings     BookingBackend     // reservations, planning board, customers; nil: pages answer 404
	Flow         BookingFlow        // paid cancellations and period changes with refunds/charges; nil: only unpaid cancellations

	Contracts    *contract.Service // handover, return, billing, contract changes; nil: pages answer 404
	ContractData ContractBackend   // contracts, protocols and reports storage

	Cards     CardEraser        // deletes stored cards at the gateway after an erasure request; nil: left to the retention job
	Retention CustomerRetention // erasure state on the customer page; nil: not shown
	// Attention holds the items background jobs failed on ("needs
	// attention" on bookings, contracts and the dashboard); nil: not shown.
	Attention AttentionStore

	Webhooks *webhook.Service // webhook endpoints and their delivery log; nil: pages answer 404
	// TestData counts and wipes the tenant's test-mode data (API keys
	// page); nil: not offered.
	TestData booking.TestDataStore
	// Search is the global search of the header; nil: no search box.
	Search search.Store
	// RentalTerms are the tenant's rental terms (AGB), printed with the
	// contract and edited under settings; nil: neither.
	RentalTerms tenancy.RentalTermsStore
	// Payers are the tenant's payers (insurers, manufacturer programmes,
	// fleet customers, cost centres); nil: the payer pages answer 404.
	Payers payer.Store
	// Covers are the rentals' covers (who pays); nil: not shown.
	Covers payer.CoverStore
	// Plates are the red dealer plates (admin pages, trip logs, the plate
	// a test drive or transfer goes on); nil: not offered.
	Plates fleet.PlateStore
}

type app struct {
	Deps
	log  *slog.Logger
	tmpl templates
}

// New returns the handler of the admin web application. It serves every path
// under /admin/ (pages and /admin/static/ assets) and answers unknown paths
// under /admin/ with the 404 page. It panics when the embedded templates do
// not parse, which is a programming error caught by any test.
func New(deps Deps) http.Handler {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.PhotoDecoder == nil {
		deps.PhotoDecoder = fleet.NewDecoder(photoDecodeBudget)
	}
	t, err := parseTemplates()
	if err != nil {
		panic(fmt.Sprintf("web: templates: %v", err))
	}
	a := &app{Deps: deps, log: deps.Logger, tmpl: t}
	return a.routes()
}

// reqContext is the per-request state of the admin UI.
type reqContext struct {
	lang    string
	token   string // session cookie token
	session identity.Session
	user    *identity.User
	actor   identity.Actor
	tenant  tenancy.Tenant
	preCSRF string // login-form CSRF token (pre-session double submit)
}

type reqCtxKey struct{}

// reqCtx returns the request's reqContext (never nil inside the handler).
func reqCtx(r *http.Request) *reqContext {
	if rc, ok := r.Context().Value(reqCtxKey{}).(*reqContext); ok {
		return rc
	}
	return &reqContext{lang: "de"}
}

// baseContext gives every request a request id (httpx.AssignRequestID,
// unless an outer middleware, such as serve's, assigned one already) and a
// reqContext with the language of the cookie.
func (a *app) baseContext(next http.Handler) http.Handler {
	withCtx := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := &reqContext{}
		rc.lang = chooseLang(r, nil)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), reqCtxKey{}, rc)))
	})
	assign := httpx.AssignRequestID(withCtx)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if httpx.RequestID(r.Context()) != "" {
			withCtx.ServeHTTP(w, r)
			return
		}
		assign.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic in a handler into a logged 500 page.
func (a *app) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				a.fail(w, r, fmt.Errorf("panic: %v", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows resources from this origin only; no inline
// scripts or styles, no framing, forms post only to this origin.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// securityHeaders sets the security headers on every response.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if len(r.URL.Path) < len("/admin/static/") || r.URL.Path[:len("/admin/static/")] != "/admin/static/" {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}
