package store

import (
	"context"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
)

// scope is the one place where tenant and station isolation is decided. Every
// public store method starts with scopeOf(ctx) and builds its WHERE clauses
// through it, so no handler has to remember a filter.
type scope struct{ a identity.Actor }

var errNoActor = errs.Unauthorized("unauthorized.not_signed_in")

func scopeOf(ctx context.Context) (scope, error) {
	a, ok := identity.ActorFrom(ctx)
	if !ok {
		return scope{}, errNoActor
	}
	if a.TenantID == 0 && !a.AllTenants() {
		return scope{}, errNoActor
	}
	return scope{a: a}, nil
}

// tenantScope is scopeOf for methods that act on exactly one tenant.
func tenantScope(ctx context.Context) (scope, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return sc, err
	}
	if sc.a.TenantID == 0 {
		return sc, errs.Forbidden("forbidden.tenant_required")
	}
	return sc, nil
}

func (sc scope) tenant() int64 { return sc.a.TenantID }

// requireAdmin refuses anyone but a tenant admin or the system.
func (sc scope) requireAdmin() error {
	if !sc.a.IsAdmin() {
		return errs.Forbidden("forbidden.admin_only")
	}
	return nil
}

// stations returns the SQL condition limiting column col to the actor's
// stations ("TRUE" for actors that see all stations of the tenant).
func (sc scope) stations(col string, a *args) string {
	if sc.a.AllStations() {
		return "1=1"
	}
	if len(sc.a.StationIDs) == 0 {
		return "1=0"
	}
	ph := make([]string, len(sc.a.StationIDs))
	for i, id := range sc.a.StationIDs {
		ph[i] = a.add(id)
	}
	return col + " IN (" + strings.Join(ph, ",") + ")"
}

// mode returns the SQL condition limiting the boolean test column col to
// the actor's mode: an API key sees only its own mode's data (a test key
// test data, a live key live data); staff and the system see both.
func (sc scope) mode(col string, a *args) string {
	if sc.a.Kind != identity.ActorAPI {
		return "1=1"
	}
	return col + " = " + a.add(sc.a.Test)
}

// invoices limits invoices (alias i) to those the actor may see: issued at
// one of its stations, or of a booking that comes back to one — the return
// station of a one-way rental sees its contract (contractScope) and so its
// invoices.
func (sc scope) invoices(a *args) string {
	if sc.a.AllStations() {
		return "1=1"
	}
	return "(" + sc.stations("i.station_id", a) + " OR EXISTS (SELECT 1 FROM reservations rs WHERE rs.tenant_id = i.tenant_id" +
		" AND rs.id = i.reservation_id AND " + sc.stations("rs.return_station_id", a) + "))"
}

// writeStation checks that the actor may put data on station id. An invisible
// station is reported as not found, like any object outside the actor's reach.
func (sc scope) writeStation(id int64) error {
	if !sc.a.CanStation(id) {
		return errs.NotFound("station_not_found")
	}
	return nil
}

// args collects positional query arguments and hands out $n placeholders.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// placeholders returns "$from, …" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

// typedList adds vals to a and returns their placeholders, each cast to
// its SQL type ("$7::bigint, $8::text"): values in a SELECT list or a
// VALUES row of a chained insert (PostgreSQL, see dialect.chainsWrites),
// whose types the server cannot take from a column.
func typedList(a *args, vals []any, types []string) string {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.add(v) + "::" + types[i])
	}
	return b.String()
}

// typedRows is typedList of each row, as the rows of a VALUES list.
func typedRows(a *args, rows [][]any, types []string) string {
	var b strings.Builder
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + typedList(a, r, types) + ")")
	}
	return b.String()
}
