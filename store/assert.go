package store

import (
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// The store implements every domain storage interface.
var (
	_ tenancy.Store  = (*Store)(nil)
	_ identity.Store = (*Store)(nil)
	_ fleet.Store    = (*Store)(nil)
	_ pricing.Store  = (*Store)(nil)
)
