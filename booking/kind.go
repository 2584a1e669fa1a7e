package booking

import (
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
)

// Kind is what a booking (and the contract it becomes) is for: a rental,
// a test drive, internal use or a transfer. Every kind holds the car
// through the same allocations and goes through the same handover and
// return; only rentals are billed.
type Kind string

// Booking kinds.
const (
	KindRental    Kind = "rental"
	KindTestDrive Kind = "test_drive"
	KindInternal  Kind = "internal"
	KindTransfer  Kind = "transfer"
)

// Kinds lists every kind, rentals first.
var Kinds = []Kind{KindRental, KindTestDrive, KindInternal, KindTransfer}

// Or is k, or KindRental when k is empty.
func (k Kind) Or() Kind {
	if k == "" {
		return KindRental
	}
	return k
}

// Billed reports whether a contract of kind k is billed after its return
// (only rentals are: test drives, internal use and transfers are not).
func (k Kind) Billed() bool { return k.Or() == KindRental }

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Identity documents a test-drive customer shows (recorded as facts: the
// document's kind and number, never a copy).
var IDDocuments = []string{"id_card", "passport", "residence_permit"}

// Use is what a booking of a kind other than rental records besides the
// rental fields: internal use its purpose and cost centre, a test drive
// the customer's identity as checked; a transfer's destination is the
// booking's return station.
type Use struct {
	Kind       Kind
	Purpose    string
	CostCentre string
	IDDocument string // one of IDDocuments ("" when none was recorded)
	IDNumber   string
	// IDCheckedBy and IDCheckedAt are who checked the identity document
	// and when (0/nil when none was).
	IDCheckedBy     int64
	IDCheckedByName string // read only
	IDCheckedAt     *time.Time
	// DealerPlateID is the red dealer plate a test drive or transfer goes
	// on instead of the car's own (0: the car's own); DealerPlate its
	// number (read only).
	DealerPlateID int64
	DealerPlate   string
}

// Longest texts of a Use.
const (
	MaxPurpose    = 200
	MaxCostCentre = 40
	MaxIDNumber   = 30
)

// Normalize trims the texts and upper-cases the document number.
func (u *Use) Normalize() {
	u.Kind = u.Kind.Or()
	u.Purpose = strings.TrimSpace(u.Purpose)
	u.CostCentre = strings.TrimSpace(u.CostCentre)
	u.IDDocument = strings.TrimSpace(u.IDDocument)
	u.IDNumber = strings.ToUpper(strings.TrimSpace(u.IDNumber))
}

// Validate checks the fields kind k needs: a test drive the identity
// document (kind and number), internal use its purpose and cost centre;
// rentals and transfers need none of them (a transfer's purpose is
// optional). Errors: errs.KindInvalid naming each field.
func (u Use) Validate() error {
	var f errs.Fields
	if !u.Kind.Or().Valid() {
		f.Add("kind", "kind.choose")
	}
	switch u.Kind.Or() {
	case KindTestDrive:
		ok := false
		for _, d := range IDDocuments {
			ok = ok || d == u.IDDocument
		}
		if !ok {
			f.Add("id_document", "kind.id_document_choose")
		}
		if len(u.IDNumber) < 4 {
			f.Add("id_number", "kind.id_number_required")
		}
	case KindInternal:
		if u.Purpose == "" {
			f.Add("purpose", "kind.purpose_required")
		}
		if u.CostCentre == "" {
			f.Add("cost_centre", "kind.cost_centre_required")
		}
	}
	f.Line("purpose", u.Purpose, MaxPurpose)
	f.Line("cost_centre", u.CostCentre, MaxCostCentre)
	f.Line("id_number", u.IDNumber, MaxIDNumber)
	return f.Err()
}
