package contract

import (
	"testing"

	"mietwerk.dev/mietwerk/identity"
)

// TestTill: money taken or paid out for a contract goes into the till of
// the user's own station among its return and pickup station (return first:
// one-way rentals are paid where the car comes back); staff of every
// station (admins) book at the return station.
func TestTill(t *testing.T) {
	const reg, muc, nbg = 1, 2, 3
	oneWay := Contract{StationID: reg, ReturnStationID: muc}
	roundTrip := Contract{StationID: reg, ReturnStationID: reg}
	noReturn := Contract{StationID: reg}
	staff := func(ids ...int64) identity.Actor {
		return identity.Actor{Kind: identity.ActorUser, TenantID: 1, Role: identity.RoleStation, StationIDs: ids}
	}
	admin := identity.Actor{Kind: identity.ActorUser, TenantID: 1, Role: identity.RoleAdmin}
	for _, tc := range []struct {
		name string
		a    identity.Actor
		c    Contract
		want int64
	}{
		{"return station's staff, one-way", staff(muc), oneWay, muc},
		{"pickup station's staff, one-way", staff(reg), oneWay, reg},
		{"staff of both", staff(reg, muc), oneWay, muc},
		{"staff of another station", staff(nbg), oneWay, muc},
		{"admin, one-way", admin, oneWay, muc},
		{"admin, round trip", admin, roundTrip, reg},
		{"no return station recorded", staff(reg), noReturn, reg},
		{"admin, no return station recorded", admin, noReturn, reg},
	} {
		if got := till(tc.a, tc.c); got != tc.want {
			t.Errorf("%s: till %d, want %d", tc.name, got, tc.want)
		}
	}
}
