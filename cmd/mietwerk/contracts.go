package main

import (
	"context"
	"log/slog"
	"time"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/payment"
)

// newContractService wires handover, return and billing over the store.
func newContractService(st *store.Store, pay *payment.Service, r *pdf.Renderer, m *mailtmpl.Renderer, mailFrom string, log *slog.Logger) *contract.Service {
	return contract.NewService(contract.Deps{Store: st, Bookings: st, Vehicles: st, Tariffs: st, Tenancy: st, Customers: st,
		Payments: pay, Records: st, Invoices: st, Issued: st, Renderer: r, EInvoicer: xrechnung.EInvoicer{},
		Mailer: mailtmpl.NewContractMailer(m, mailFrom, time.Now), Now: time.Now,
		Log: log.With("component", "contract")})
}

// runContractJobs finishes, every minute and per tenant, billing that a
// crashed process left half done (contract.Service.ResumeBilling), until ctx
// ends. ctx carries the all-tenants system actor.
func runContractJobs(ctx context.Context, st *store.Store, c *contract.Service, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		tenants, err := st.ListTenants(ctx)
		if err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "contract jobs: list tenants", "err", err)
		}
		for _, tn := range tenants {
			if _, err := c.ResumeBilling(identity.WithActor(ctx, identity.SystemFor(tn.ID)), 5*time.Minute); err != nil && ctx.Err() == nil {
				log.ErrorContext(ctx, "contract jobs: resume billing", "tenant_id", tn.ID, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
