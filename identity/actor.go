// Package identity owns who is acting: users and their roles, sessions, API
// clients, password and key hashing, and the Actor that every store call is
// scoped by.
package identity

import (
	"context"
	"slices"
)

// Role is what a user may see and do within a tenant.
type Role string

const (
	// RoleAdmin sees and changes everything of its tenant.
	RoleAdmin Role = "admin"
	// RoleStation sees and changes only the data of its assigned stations.
	RoleStation Role = "station"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleStation }

// ActorKind says what kind of principal an Actor is.
type ActorKind string

const (
	ActorUser   ActorKind = "user"
	ActorAPI    ActorKind = "api"
	ActorSystem ActorKind = "system"
)

// Actor is the principal on whose behalf a call runs. The store derives every
// tenant and station filter from the Actor in the context, in one place.
type Actor struct {
	Kind        ActorKind
	TenantID    int64 // 0 only for a system actor that spans all tenants
	UserID      int64
	APIClientID int64
	Scope       Scope // for ActorAPI: the scope of its key
	// Test is set for a test-mode API key: it sees and makes test data only
	// (bookings, customers, payments through a simulator, TEST- documents),
	// a live key live data only. Staff and the system see both.
	Test       bool
	Name       string
	Role       Role
	StationIDs []int64 // for RoleStation: the stations it may see
	RequestID  string
}

// AllTenants reports whether the actor is the system acting across tenants
// (background workers). No request-bound actor ever has this.
func (a Actor) AllTenants() bool { return a.Kind == ActorSystem && a.TenantID == 0 }

// AllStations reports whether the actor sees every station of its tenant.
func (a Actor) AllStations() bool {
	return a.Kind == ActorSystem || a.Kind == ActorAPI || a.Role == RoleAdmin
}

// CanStation reports whether the actor may see and change data of station id.
func (a Actor) CanStation(id int64) bool {
	return a.AllStations() || slices.Contains(a.StationIDs, id)
}

// IsAdmin reports whether the actor administers its tenant (users, API keys, stations).
func (a Actor) IsAdmin() bool {
	return a.Kind == ActorSystem || (a.Kind == ActorUser && a.Role == RoleAdmin)
}

// System returns an actor for background work across all tenants.
func System() Actor { return Actor{Kind: ActorSystem, Name: "system"} }

// SystemFor returns a system actor limited to one tenant (CLI commands, demo seeding, workers
// acting on one tenant's behalf).
func SystemFor(tenantID int64) Actor {
	return Actor{Kind: ActorSystem, TenantID: tenantID, Name: "system"}
}

type actorKey struct{}

// WithActor returns a context carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx and whether there is one.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
