package store_test

import (
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/tenancy"
)

func TestStationsRoundTrip(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		st := w.stations[0][0]
		st.Hours[6] = []tenancy.Span{{Open: 8 * 60, Close: 12 * 60}}
		st.Exceptions = []tenancy.Exception{{Date: "2026-12-24", Closed: true, Note: "Heiligabend"},
			{Date: "2026-12-31", Hours: []tenancy.Span{{Open: 8 * 60, Close: 12 * 60}}, Note: "Silvester"}}
		mustNil(t, s.UpdateStation(ctx, &st))
		got, err := s.Station(ctx, st.ID)
		mustNil(t, err)
		if len(got.Exceptions) != 2 || got.Exceptions[0].Date != "2026-12-24" || !got.Exceptions[0].Closed ||
			got.Exceptions[1].Hours[0].Close != 12*60 || got.Hours[6][0].Open != 8*60 || got.Hours[1][0].Close != 18*60 {
			t.Fatalf("round trip lost data: %+v", got)
		}
		byCode, err := s.StationByCode(ctx, "S0")
		mustNil(t, err)
		if byCode.ID != st.ID {
			t.Fatalf("StationByCode = %d, want %d", byCode.ID, st.ID)
		}
	})
}

func TestStationInvalidChangesNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		bad := w.stations[0][0]
		bad.Name, bad.PostalCode, bad.TimeZone = "", "12", "Mars/Olympus"
		bad.Hours[2] = []tenancy.Span{{Open: 18 * 60, Close: 8 * 60}}
		err := s.UpdateStation(ctx, &bad)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindInvalid {
			t.Fatalf("err = %v, want invalid", err)
		}
		want := map[string]bool{"name": true, "postal_code": true, "time_zone": true, "hours.tue": true}
		for _, f := range e.Fields {
			delete(want, f.Field)
		}
		if len(want) != 0 {
			t.Fatalf("missing field errors %v in %v", want, e.Fields)
		}
		got, _ := s.Station(ctx, bad.ID)
		if got.Name != w.stations[0][0].Name {
			t.Fatalf("invalid update changed the station: %q", got.Name)
		}
		dup := tenancy.Station{Code: "S1", Name: "Dup", Street: "X 1", PostalCode: "12345", City: "X"}
		if err := s.CreateStation(ctx, &dup); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("duplicate code: %v", err)
		}
		// the same code in another tenant is fine
		other := tenancy.Station{Code: "S9", Name: "Other", Street: "X 1", PostalCode: "12345", City: "X"}
		mustNil(t, s.CreateStation(sys(w.tenants[1].ID), &other))
	})
}

func TestTenantUpdateKeepsSecret(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		tn, err := s.Tenant(ctx)
		mustNil(t, err)
		// the store keeps the sealed value as it is (package secrets seals it)
		const sealed = "v1:0123abcd:c2VhbGVkLWVsc2V3aGVyZQ"
		tn.Gateway.SealedSecret = sealed
		tn.VATID = "DE123456789"
		tn.Street, tn.PostalCode, tn.City = "Hauptstr. 1", "93047", "Regensburg"
		mustNil(t, s.UpdateTenant(ctx, &tn))
		tn.Gateway.SealedSecret = ""
		tn.City = "Straubing"
		mustNil(t, s.UpdateTenant(ctx, &tn))
		got, err := s.Tenant(ctx)
		mustNil(t, err)
		if got.Gateway.SealedSecret != sealed || got.Gateway.Secret != "" || got.City != "Straubing" || got.VATID != "DE123456789" || got.InvoiceNumberPattern == "" {
			t.Fatalf("tenant = %+v", got)
		}
		// a plain-text secret is never stored
		plain := got
		plain.Gateway.Secret, plain.City = "s3cret", "Passau"
		if err := s.UpdateTenant(ctx, &plain); err == nil {
			t.Fatal("the store took a plain-text gateway secret")
		}
		if again, _ := s.Tenant(ctx); again.City != "Straubing" || again.Gateway.SealedSecret != sealed {
			t.Fatalf("a refused plain-text secret changed the tenant: %+v", again)
		}
		if err := s.UpdateTenant(as(w.actor(0, 0)), &tn); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("station user updating tenant: %v", err)
		}
		bad := got
		bad.InvoiceNumberPattern, bad.City = "RE-{NOPE}", ""
		err = s.UpdateTenant(ctx, &bad)
		if e, ok := errs.As(err); !ok || !errs.Fields(e.Fields).Has("invoice_number_pattern") || !errs.Fields(e.Fields).Has("city") {
			t.Fatalf("invalid settings: %v", err)
		}
		if again, _ := s.Tenant(ctx); again.City != "Straubing" || again.InvoiceNumberPattern != got.InvoiceNumberPattern {
			t.Fatalf("invalid update changed the tenant: %+v", again)
		}
	})
}

// TestTenantSimulatorURL: the operator's simulator URL is set on its own,
// kept when the admin saves the settings, refused when it is no URL
// (nothing changes) and not settable by a station user; the other tenant
// keeps the built-in simulator.
func TestTenantSimulatorURL(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		const u = "http://127.0.0.1:9090/ipp/payments-gateway/v2"
		mustNil(t, s.SetGatewaySimulatorURL(ctx, " "+u+" "))
		tn, err := s.Tenant(ctx)
		mustNil(t, err)
		if tn.Gateway.SimulatorURL != u {
			t.Fatalf("simulator URL = %q, want %q", tn.Gateway.SimulatorURL, u)
		}
		tn.VATID, tn.Street, tn.PostalCode, tn.City = "DE123456789", "Hauptstr. 1", "93047", "Regensburg"
		mustNil(t, s.UpdateTenant(ctx, &tn))
		if got, _ := s.Tenant(ctx); got.Gateway.SimulatorURL != u {
			t.Fatalf("saving the settings lost the simulator URL: %q", got.Gateway.SimulatorURL)
		}
		err = s.SetGatewaySimulatorURL(ctx, "127.0.0.1:9090")
		if e, ok := errs.As(err); !ok || !errs.Fields(e.Fields).Has("gateway_simulator_url") {
			t.Fatalf("no URL: %v", err)
		}
		if err := s.SetGatewaySimulatorURL(as(w.actor(0, 0)), ""); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("station user: %v", err)
		}
		if got, _ := s.Tenant(ctx); got.Gateway.SimulatorURL != u {
			t.Fatalf("refused changes changed the URL: %q", got.Gateway.SimulatorURL)
		}
		if other, _ := s.Tenant(sys(w.tenants[1].ID)); other.Gateway.SimulatorURL != "" {
			t.Fatalf("other tenant: %q", other.Gateway.SimulatorURL)
		}
		mustNil(t, s.SetGatewaySimulatorURL(ctx, ""))
		if got, _ := s.Tenant(ctx); got.Gateway.SimulatorURL != "" {
			t.Fatalf("reset: %q", got.Gateway.SimulatorURL)
		}
	})
}
