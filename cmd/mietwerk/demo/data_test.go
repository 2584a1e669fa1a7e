package demo

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/fleet"
)

func TestEaster(t *testing.T) {
	tests := []struct {
		year int
		want string
	}{{2024, "2024-03-31"}, {2025, "2025-04-20"}, {2026, "2026-04-05"}, {2027, "2027-03-28"}, {2038, "2038-04-25"}}
	for _, tt := range tests {
		if got := easter(tt.year).Format("2006-01-02"); got != tt.want {
			t.Errorf("easter(%d) = %s, want %s", tt.year, got, tt.want)
		}
	}
}

func TestHolidayExceptions(t *testing.T) {
	ex := holidayExceptions(2026, 2027)
	byDate := map[string]bool{}
	for _, e := range ex {
		byDate[e.Date] = e.Closed
	}
	for _, d := range []string{"2026-01-01", "2026-04-03", "2026-04-06", "2026-06-04", "2026-12-24", "2026-12-25", "2027-01-01", "2027-03-26", "2027-05-27"} {
		if closed, ok := byDate[d]; !ok || !closed {
			t.Errorf("%s: want a closed exception", d)
		}
	}
	if closed, ok := byDate["2026-12-31"]; !ok || closed {
		t.Errorf("2026-12-31: want shortened hours")
	}
	if _, ok := byDate["2027-08-15"]; ok {
		t.Errorf("2027-08-15 is a Sunday: no exception needed")
	}
}

func TestStationsValid(t *testing.T) {
	for _, d := range stations() {
		s := d.Station
		s.Normalize()
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Code, err)
		}
		christmasEve := time.Date(2026, 12, 24, 10, 0, 0, 0, s.Location())
		monday := time.Date(2026, 11, 30, 7, 45, 0, 0, s.Location())
		sunday := time.Date(2026, 11, 29, 10, 0, 0, 0, s.Location())
		if s.OpenAt(christmasEve) || !s.OpenAt(monday) || s.OpenAt(sunday) {
			t.Errorf("%s: opening hours wrong", s.Code)
		}
	}
}

func TestVehiclesValid(t *testing.T) {
	plates, vins := map[string]bool{}, map[string]bool{}
	n := 0
	for i, st := range stations() {
		for _, v := range vehicles(st, i) {
			n++
			v.StationID, v.CategoryID = 1, 1
			v.Normalize()
			if err := v.Validate(); err != nil {
				t.Errorf("%s: %v", v.Plate, err)
			}
			if !strings.HasPrefix(v.Plate, st.district+"-") || !fleet.ValidPlate(v.Plate) {
				t.Errorf("plate %s: want a valid plate of district %s", v.Plate, st.district)
			}
			if msg := fleet.CheckVIN(v.VIN); msg != "" {
				t.Errorf("VIN %s: %s", v.VIN, msg)
			}
			if plates[v.Plate] || vins[v.VIN] {
				t.Errorf("duplicate plate %s or VIN %s", v.Plate, v.VIN)
			}
			plates[v.Plate], vins[v.VIN] = true, true
			if v.OdometerKM <= 0 || v.NextInspection <= v.FirstRegistration {
				t.Errorf("%s: odometer %d, registration %s, inspection %s", v.Plate, v.OdometerKM, v.FirstRegistration, v.NextInspection)
			}
		}
	}
	if n < 28 || n > 32 {
		t.Errorf("%d vehicles, want about 30", n)
	}
}

func TestTariffsValid(t *testing.T) {
	workshop := 0
	for _, td := range tariffs() {
		tr := td.Tariff
		tr.CategoryIDs = []int64{1}
		if err := tr.Validate(); err != nil {
			t.Errorf("%s: %v", tr.Code, err)
		}
		if tr.Kind == "workshop" {
			workshop++
		}
	}
	if workshop != 1 {
		t.Errorf("%d workshop tariffs, want 1", workshop)
	}
}

func TestTenantLegalData(t *testing.T) {
	ten := tenant()
	// IBAN: ISO 13616 mod-97 check
	iban := ten.IBAN[4:] + ten.IBAN[:4]
	var digits strings.Builder
	for _, r := range iban {
		if r >= 'A' && r <= 'Z' {
			digits.WriteString(big.NewInt(int64(r - 'A' + 10)).String())
		} else {
			digits.WriteRune(r)
		}
	}
	n, _ := new(big.Int).SetString(digits.String(), 10)
	if len(ten.IBAN) != 22 || new(big.Int).Mod(n, big.NewInt(97)).Int64() != 1 {
		t.Errorf("IBAN %s fails the mod-97 check", ten.IBAN)
	}
	// German VAT id: ISO 7064 MOD 11,10 check digit
	if !validGermanVATID(ten.VATID) {
		t.Errorf("VAT id %s has a wrong check digit", ten.VATID)
	}
	if !strings.HasPrefix(ten.RegisterCourt, "Amtsgericht ") || !strings.HasPrefix(ten.RegisterNumber, "HR") {
		t.Errorf("register %s %s", ten.RegisterCourt, ten.RegisterNumber)
	}
}

func validGermanVATID(id string) bool {
	if len(id) != 11 || id[:2] != "DE" {
		return false
	}
	p := 10
	for _, c := range id[2:10] {
		s := (int(c-'0') + p) % 10
		if s == 0 {
			s = 10
		}
		p = (2 * s) % 11
	}
	return int(id[10]-'0') == (11-p)%10
}

func TestNewPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := newPassword()
		if len(p) != 19 || seen[p] {
			t.Fatalf("password %q: want 19 characters, unique", p)
		}
		seen[p] = true
	}
}

// TestPayersValid: the demo payers (one of each kind) pass validation and
// their VAT ids their check digit.
func TestPayersValid(t *testing.T) {
	ids := map[string]int64{"EDMN": 1, "CDMR": 2, "IDAR": 3, "FWAR": 4}
	kinds := map[string]bool{}
	for _, p := range payers(ids) {
		p.Normalize()
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
		if p.VATID != "" && !validGermanVATID(p.VATID) {
			t.Errorf("%s: VAT id %s fails its check digit", p.Name, p.VATID)
		}
		kinds[p.Kind] = true
	}
	if len(kinds) != 4 {
		t.Errorf("demo payer kinds %v, want all four", kinds)
	}
}
