// Package api is Mietwerk's public booking API for dealer websites: JSON
// under /api/v1 (API key as bearer token, RFC 9457 problem+json errors,
// Stripe-style idempotency, a per-key rate limit in the database), its
// OpenAPI 3.1 document and reference page, the embeddable booking widget
// (/widget/booking.js) and a sample dealer page embedding it (/demo/booking).
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/idempotency"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/cfgver"
	"mietwerk.dev/mietwerk/payer"
)

// Authenticator resolves API keys.
type Authenticator interface {
	AuthenticateAPIKey(ctx context.Context, key string) (identity.APIClient, error)
}

// CountingAuthenticator is an Authenticator that also counts the request
// against the key's client in its rate window, in the same step (one
// statement on PostgreSQL); the API uses it when Deps.RateLimit is set.
// An unknown or revoked key counts nothing.
type CountingAuthenticator interface {
	AuthenticateAPIKeyCounted(ctx context.Context, key string, window time.Duration) (identity.APIClient, identity.RateCount, error)
}

// RateLimiter counts requests per API client in the database.
type RateLimiter interface {
	TakeRate(ctx context.Context, limit int, window time.Duration) (ok bool, retryAfter time.Duration, err error)
}

// Deps are what the API needs.
type Deps struct {
	Bookings    *booking.Service
	Auth        Authenticator
	Idempotency idempotency.Store
	RateLimit   RateLimiter
	Logger      *slog.Logger
	// AllowedOrigins lists the origins (scheme://host[:port]) whose browser
	// pages may call the API (CORS); "*" allows any.
	AllowedOrigins []string
	// Contracts, when set, serves handover, return and the contract view.
	Contracts *contract.Service
	// DemoAPIKey, when set, is the public key the sample dealer page
	// /demo/booking embeds the widget with (demo mode only).
	DemoAPIKey string
	// IdempotencyLock is how long a key stays locked while its request runs (default 5 min).
	IdempotencyLock time.Duration
	// Payers and Covers, when set, let a secret key name the payer of a
	// booking (payer_id); unset: payer_id is refused.
	Payers payer.Store
	Covers payer.CoverStore
	// WorkshopOrders, with Contracts, serves the workshop's "repair done"
	// call (POST /api/v1/workshop-orders/{ref}/completed).
	WorkshopOrders WorkshopOrderStore
	// Now is the clock (default time.Now).
	Now func() time.Time
}

type server struct {
	d       Deps
	origins map[string]bool
	anyOrig bool
}

// New returns the handler for /api/v1/..., /api/docs, the booking widget
// /widget/booking.js and the sample dealer page /demo/booking.
func New(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.IdempotencyLock == 0 {
		d.IdempotencyLock = 5 * time.Minute
	}
	s := &server{d: d, origins: map[string]bool{}}
	for _, o := range d.AllowedOrigins {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "*" {
			s.anyOrig = true
		} else if o != "" {
			s.origins[o] = true
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /api/v1/openapi.json", http.HandlerFunc(s.openapi))
	mux.Handle("GET /api/docs", http.HandlerFunc(s.docs))
	mux.Handle("GET /demo/booking", http.HandlerFunc(s.demoPage))
	mux.Handle("GET /widget/booking.js", http.HandlerFunc(s.widget))
	s.mount(mux, "GET /api/v1/stations", s.stations)
	s.mount(mux, "GET /api/v1/vehicle-categories", s.categories)
	s.mount(mux, "GET /api/v1/availability", s.availability)
	s.mount(mux, "GET /api/v1/availability/calendar", s.calendar)
	s.mount(mux, "POST /api/v1/bookings", s.idempotent(true, s.createBooking))
	s.mount(mux, "GET /api/v1/bookings/{number}", s.getBooking)
	s.mount(mux, "PATCH /api/v1/bookings/{number}", s.idempotent(false, s.changeBooking))
	s.mount(mux, "POST /api/v1/bookings/{number}/cancel", s.idempotent(false, s.cancelBooking))
	s.routesContracts(mux)
	s.routesWorkshopOrders(mux)
	s.routesPayers(mux)
	mux.Handle("OPTIONS /api/v1/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	mux.Handle("/api/v1/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.problem(w, r, notFoundRoute(r))
	}))
	routed := httpx.RecordRoute(mux) // metrics and the access log by this mux's patterns
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if httpx.RequestID(r.Context()) == "" {
			id := r.Header.Get(httpx.RequestIDHeader)
			if !httpx.ValidRequestID(id) {
				id = httpx.NewRequestID()
			}
			w.Header().Set(httpx.RequestIDHeader, id)
			r = r.WithContext(httpx.WithRequestID(r.Context(), id))
		}
		s.cors(w, r)
		routed.ServeHTTP(w, r)
	})
}

// cors answers browsers from allowed origins; preflights get the allowed
// methods and headers.
func (s *server) cors(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || !strings.HasPrefix(r.URL.Path, "/api/v1/") {
		return
	}
	w.Header().Add("Vary", "Origin")
	if !s.anyOrig && !s.origins[origin] {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After, Idempotent-Replayed, Location")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Accept-Language, X-Request-Id, "+BookingSecretHeader)
		h.Set("Access-Control-Max-Age", "600")
	}
}

// handlerFunc is an API operation: it returns a status and a body to
// encode as JSON, or an error to answer as problem+json.
type handlerFunc func(r *http.Request) (int, any, error)

// authed checks the API key, the rate limit and the key's access to the
// operation (acc), then runs h with the client's actor in the context.
func (s *server) authed(acc access, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		key, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || strings.TrimSpace(key) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mietwerk"`)
			s.problem(w, r, identity.ErrBadAPIKey)
			return
		}
		// the key's lookup also reads its tenant's configuration version,
		// kept for the request (the store's configuration cache)
		r = r.WithContext(cfgver.With(r.Context()))
		var c identity.APIClient
		var rc *identity.RateCount // counted with the key's lookup
		var err error
		if ca, ok := s.d.Auth.(CountingAuthenticator); ok && s.d.RateLimit != nil {
			var n identity.RateCount
			c, n, err = ca.AuthenticateAPIKeyCounted(r.Context(), strings.TrimSpace(key), time.Minute)
			rc = &n
		} else {
			c, err = s.d.Auth.AuthenticateAPIKey(r.Context(), strings.TrimSpace(key))
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mietwerk", error="invalid_token"`)
			s.problem(w, r, err)
			return
		}
		a := c.Actor()
		a.RequestID = httpx.RequestID(r.Context())
		r = r.WithContext(identity.WithActor(r.Context(), a))
		if s.d.RateLimit != nil {
			limit := c.RatePerMinute
			if limit <= 0 {
				limit = 120
			}
			ok, retry := true, time.Duration(0)
			if rc != nil {
				if rc.Count > limit {
					ok, retry = false, rc.RetryAfter
				}
			} else if ok, retry, err = s.d.RateLimit.TakeRate(r.Context(), limit, time.Minute); err != nil {
				s.problem(w, r, err)
				return
			}
			if !ok {
				secs := int((retry + time.Second - 1) / time.Second)
				w.Header().Set("Retry-After", itoa(max(secs, 1)))
				s.problem(w, r, errRateLimited(limit))
				return
			}
		}
		if err := s.authorize(r, acc, c.Scope); err != nil {
			s.problem(w, r, err)
			return
		}
		status, body, err := h(r)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		s.writeJSON(w, status, body)
	})
}
