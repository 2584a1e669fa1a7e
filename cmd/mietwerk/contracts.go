package main

import (
	"log/slog"
	"time"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/payment"
)

// newContractService wires handover, return and billing over the store
// with clock now (time.Now but in the demo's seeding of past handovers).
func newContractService(st *store.Store, pay *payment.Service, r document.Renderer, m *mailtmpl.Renderer, mailFrom string, now func() time.Time, log *slog.Logger) *contract.Service {
	log = log.With("component", "contract")
	return contract.NewService(contract.Deps{Store: st, Bookings: st, Vehicles: st, Tariffs: st, Tenancy: st, Customers: st,
		Payments: pay, Records: st, Invoices: st, Issued: st, Renderer: r, EInvoicer: xrechnung.EInvoicer{},
		Mailer: mailtmpl.NewContractMailer(m, mailFrom, now), Now: now, Log: log,
		Tenants: st, Jobs: jobRunner(st, log), Pages: st, Covers: st, Payers: st, Collective: st, Assignments: st})
}
