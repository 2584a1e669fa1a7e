package contract

import (
	"testing"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet/fleettest"
	"mietwerk.dev/mietwerk/payment"
)

func TestValidateDrivers(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	ok := Driver{Role: RoleMain, FirstName: "Eva", LastName: "Muster", LicenceNumber: "B072RRE2I55", LicenceClass: "B",
		BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE"}
	with := func(f func(*Driver)) Driver { d := ok; f(&d); return d }
	cases := []struct {
		name  string
		ds    []Driver
		field string // "" = valid
	}{
		{"valid", []Driver{ok}, ""},
		{"no main driver", []Driver{with(func(d *Driver) { d.Role = RoleAdditional })}, "drivers"},
		{"two main drivers", []Driver{ok, ok}, "drivers"},
		{"licence from the future", []Driver{with(func(d *Driver) { d.LicenceIssuedOn = "2027-01-01" })}, "drivers.0.licence_issued_on"},
		{"country not a code", []Driver{with(func(d *Driver) { d.LicenceCountry = "Deutschland" })}, "drivers.0.licence_country"},
		{"short licence number", []Driver{with(func(d *Driver) { d.LicenceNumber = "B1" })}, "drivers.0.licence_number"},
		{"additional without name", []Driver{ok, {Role: RoleAdditional, LicenceNumber: "J010000SD51", LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2015-01-01", LicenceCountry: "AT"}}, "drivers.1.first_name"},
		{"bad role", []Driver{ok, with(func(d *Driver) { d.Role = "boss" })}, "drivers.1.role"},
		{"no date of birth (the age rules need it)", []Driver{with(func(d *Driver) { d.BirthDate = "" })}, "drivers.0.birth_date"},
	}
	for _, c := range cases {
		err := ValidateDrivers(c.ds, now)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		e, isErr := errs.As(err)
		found := false
		if isErr {
			for _, f := range e.Fields {
				found = found || f.Field == c.field
			}
		}
		if !found {
			t.Errorf("%s: %v, want a field error on %s", c.name, err, c.field)
		}
	}
}

func TestProtocolValidation(t *testing.T) {
	cases := []struct {
		p     Protocol
		field string
	}{
		{Protocol{OdometerKM: -1, FuelEighths: 8, Cleanliness: "clean"}, "km"},
		{Protocol{OdometerKM: 1, FuelEighths: 9, Cleanliness: "clean"}, "fuel_eighths"},
		{Protocol{OdometerKM: 1, FuelEighths: 8, Cleanliness: "spotless"}, "cleanliness"},
		{Protocol{OdometerKM: 1, FuelEighths: 8, Cleanliness: "clean", SignaturePNG: []byte("GIF89a......")}, "signature"},
		{Protocol{OdometerKM: 1, FuelEighths: 8, Cleanliness: "clean", SignaturePNG: []byte("\x89PNG\r\n\x1a\nfake")}, "signature"},
		// a small PNG claiming 3000×3000 16-bit pixels: every protocol PDF would inflate it to 72 MB
		{Protocol{OdometerKM: 1, FuelEighths: 8, Cleanliness: "clean", SignaturePNG: fleettest.PNGBomb16(3000)}, "signature"},
	}
	for _, c := range cases {
		var f errs.Fields
		c.p.validateInto(&f)
		e, _ := errs.As(f.Err())
		if e == nil || e.Fields[0].Field != c.field {
			t.Errorf("%+v: %v, want %s", c.p, f.Err(), c.field)
		}
	}
}

func TestDepositHeld(t *testing.T) {
	eur := func(c int64) payment.Amount { return payment.Amount{Cents: c, Currency: "EUR"} }
	dep := payment.Record{ID: 2, Operation: payment.OpTokenPreAuth, Status: payment.StatusApproved, Amount: eur(30000)}
	dep.Purpose = PurposeDeposit
	rent := payment.Record{ID: 1, Operation: payment.OpSale, Status: payment.StatusApproved, Amount: eur(4900)}
	rent.Purpose = "rent"
	if held, rec := depositHeld([]payment.Record{rent, dep}); held != 30000 || rec.ID != 2 {
		t.Fatalf("held %d", held)
	}
	capture := payment.Record{ID: 3, ParentID: 2, Operation: payment.OpCapture, Status: payment.StatusApproved, Amount: eur(5000)}
	if held, _ := depositHeld([]payment.Record{rent, dep, capture}); held != 25000 {
		t.Fatalf("after capture held %d", held)
	}
	void := payment.Record{ID: 4, ParentID: 2, Operation: payment.OpVoidPreAuth, Status: payment.StatusApproved}
	if held, rec := depositHeld([]payment.Record{rent, dep, capture, void}); held != 0 || rec != nil {
		t.Fatalf("after void held %d", held)
	}
}
