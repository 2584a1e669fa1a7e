package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/api"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/payment"
)

// newBookingService wires the booking orchestration over the store.
func newBookingService(st *store.Store, pay *payment.Service, r *pdf.Renderer, m *mailtmpl.Renderer, mailFrom string, log *slog.Logger) *booking.Service {
	return booking.NewService(booking.Deps{Bookings: st, Changes: st, Customers: st, Tariffs: st, Tenancy: st, Categories: st,
		Payments: pay, Records: st, Invoices: st, Issued: st, Renderer: r, EInvoicer: xrechnung.EInvoicer{},
		Mailer: mailtmpl.NewBookingMailer(m, mailFrom), Outbox: st,
		Now: time.Now, Log: log.With("component", "booking")})
}

// newAPIHandler builds the booking API, its docs and the demo page.
func newAPIHandler(svc *services, log *slog.Logger) http.Handler {
	return api.New(api.Deps{Bookings: svc.bookings, Contracts: svc.contracts, Auth: svc.identity, Idempotency: svc.st, RateLimit: svc.st,
		Logger: log.With("component", "api"), AllowedOrigins: strings.Split(svc.cfg.APICORSOrigins, ","), DemoAPIKey: svc.cfg.DemoAPIKey})
}

// runBookingJobs settles bookings left pending by an unknown payment
// outcome (every 15 s, once the reconciler had a chance), sends again
// refunds that ended failed, and purges
// expired idempotency keys and rate counters (hourly), until ctx ends.
func runBookingJobs(ctx context.Context, st *store.Store, b *booking.Service, log *slog.Logger) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	var lastPurge time.Time
	for {
		if _, err := b.FinishPending(ctx, 30*time.Second, 100); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "finish pending bookings", "err", err)
		}
		if _, err := b.RetryRefunds(ctx, 100); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "retry failed refunds", "err", err)
		}
		if time.Since(lastPurge) > time.Hour {
			lastPurge = time.Now()
			if _, err := st.PurgeIdempotencyKeys(ctx); err != nil && ctx.Err() == nil {
				log.ErrorContext(ctx, "purge idempotency keys", "err", err)
			}
			if err := st.PurgeRateBuckets(ctx, time.Now().Add(-time.Hour)); err != nil && ctx.Err() == nil {
				log.ErrorContext(ctx, "purge rate counters", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
