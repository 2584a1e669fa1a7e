package main

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/api"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/payment"
)

// newBookingService wires the booking orchestration over the store; est
// splits the expected rent its confirmations quote (nil: none).
func newBookingService(st *store.Store, pay *payment.Service, r document.Renderer, m *mailtmpl.Renderer, mailFrom, publicURL string, lease time.Duration, log *slog.Logger,
	stages func(string, time.Duration), est booking.Estimator) *booking.Service {
	log = log.With("component", "booking")
	return booking.NewService(booking.Deps{Bookings: st, Changes: st, Customers: st, Tariffs: st, Tenancy: st, Categories: st,
		Payments: pay, Records: st, Invoices: st, Issued: st, Renderer: r, EInvoicer: xrechnung.EInvoicer{},
		Mailer: mailtmpl.NewBookingMailer(m, mailFrom, publicURL), Outbox: st,
		Now: time.Now, Log: log, Jobs: jobRunner(st, log), Lease: lease, Stages: stages,
		Estimates: est})
}

// newAPIHandler builds the booking API, its docs and the demo page.
func newAPIHandler(svc *services, log *slog.Logger) http.Handler {
	return api.New(api.Deps{Bookings: svc.bookings, Contracts: svc.contracts, Auth: svc.identity, Idempotency: svc.st, RateLimit: svc.st,
		Logger: log.With("component", "api"), AllowedOrigins: strings.Split(svc.cfg.APICORSOrigins, ","), DemoAPIKey: svc.cfg.DemoAPIKey,
		IdempotencyLock: svc.cfg.IdempotencyLock, Payers: svc.st, Covers: svc.st, WorkshopOrders: svc.st})
}
