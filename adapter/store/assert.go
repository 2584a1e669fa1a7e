package store

import (
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/idempotency"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	mwmail "mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// The store implements every domain storage interface.
var (
	_ idempotency.Store = (*Store)(nil)
	_ tenancy.Store     = (*Store)(nil)
	_ identity.Store    = (*Store)(nil)
	_ fleet.Store       = (*Store)(nil)
	_ pricing.Store     = (*Store)(nil)
)

var _ payment.Store = (*Store)(nil)

var _ mwmail.OutboxStore = (*Store)(nil)

var _ customer.Store = (*Store)(nil)

var _ booking.Store = (*Store)(nil)
var _ booking.ChangeStore = (*Store)(nil)

var (
	_ invoice.Store     = (*Store)(nil)
	_ invoice.Reader    = (*Store)(nil)
	_ document.Archive  = (*Store)(nil)
	_ mwmail.AdminStore = (*Store)(nil)
)

var (
	_ fleet.DamageStore   = (*Store)(nil)
	_ fleet.CategoryAdmin = (*Store)(nil)
	_ pricing.Admin       = (*Store)(nil)
)

var (
	_ booking.AdminStore    = (*Store)(nil)
	_ booking.PlanningStore = (*Store)(nil)
	_ customer.AdminStore   = (*Store)(nil)
)

var _ contract.Store = (*Store)(nil)
var _ contract.StartStore = (*Store)(nil)
var _ contract.Reports = (*Store)(nil)

var (
	_ customer.RetentionStore   = (*Store)(nil)
	_ customer.RetentionReader  = (*Store)(nil)
	_ payment.CardDeletionStore = (*Store)(nil)
)
