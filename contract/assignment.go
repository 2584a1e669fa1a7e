package contract

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image/png"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// Assignment is the customer's signed assignment of claims
// (Abtretungserklärung) of an accident replacement rental: the claims for
// the replacement car's costs against the party at fault and its insurer
// go to the dealership, which bills the insurer directly. Signed on the
// tablet like a protocol, kept as a PDF that never changes.
type Assignment struct {
	ReservationID int64
	SignerName    string
	SignaturePNG  []byte
	SignedAt      time.Time
	CreatedByName string // the staff member who had it signed
	PDF           []byte
	SHA256        string // hex SHA-256 of PDF
}

// AssignmentStore keeps the signed assignments, one per rental.
type AssignmentStore interface {
	// Assignment returns the assignment of reservation id; ok false when
	// none was signed. Errors: KindNotFound (reservation).
	Assignment(ctx context.Context, reservationID int64) (a Assignment, ok bool, err error)
	// SaveAssignment stores a, audited on the reservation. Errors:
	// KindConflict (assignment_signed: one is signed already),
	// KindNotFound.
	SaveAssignment(ctx context.Context, a *Assignment) error
}

// AssignmentText is the assignment of reservation id as it will be signed:
// the letter to the insurer (the cover's payer) with the claim, the
// injured party and the declaration, without signature, in German.
// Errors: KindNotFound, KindConflict (assignment_not_insurer: the rental
// is not covered by an insurer).
func (s *Service) AssignmentText(ctx context.Context, id int64) (document.LetterDoc, error) {
	d, _, _, err := s.assignmentDoc(ctx, id, time.Time{})
	return d, err
}

// SignAssignment has the customer sign the assignment of reservation id:
// it checks the signer's name and the signature (a PNG like a protocol's),
// renders the letter with the signature and stores it. Errors:
// KindInvalid (signer_name, signature), KindConflict
// (assignment_not_insurer, assignment_signed), KindNotFound.
func (s *Service) SignAssignment(ctx context.Context, id int64, signer string, sig []byte) (Assignment, error) {
	if s.d.Assignments == nil {
		return Assignment{}, errs.NotFound("reservation_not_found")
	}
	signer = strings.TrimSpace(signer)
	var f errs.Fields
	if signer == "" {
		f.Add("signer_name", "assignment.signer_required")
	}
	f.Line("signer_name", signer, customer.MaxName*2)
	switch cfg, err := png.DecodeConfig(bytes.NewReader(sig)); {
	case len(sig) == 0:
		f.Add("signature", "assignment.signature_required")
	case !isPNG(sig) || err != nil:
		f.Add("signature", "protocol.signature_png")
	case len(sig) > 512<<10 || int64(cfg.Width)*int64(cfg.Height) > maxSignaturePixels:
		f.Add("signature", "protocol.signature_too_large")
	}
	if err := f.Err(); err != nil {
		return Assignment{}, err
	}
	if _, ok, err := s.d.Assignments.Assignment(ctx, id); err != nil {
		return Assignment{}, err
	} else if ok {
		return Assignment{}, errs.Conflict("assignment_signed")
	}
	now := s.d.Now().UTC()
	d, loc, place, err := s.assignmentDoc(ctx, id, now)
	if err != nil {
		return Assignment{}, err
	}
	l := locale.Lang(d.Lang)
	d.Signature = &document.LetterSignature{PNG: sig, Name: signer,
		Label: l.T("assignment.signed", locale.Params{"place": place, "when": l.DateTime(now.In(loc))})}
	pdf, err := s.d.Renderer.Letter(ctx, d)
	if err != nil {
		return Assignment{}, err
	}
	a, _ := identity.ActorFrom(ctx)
	sum := sha256.Sum256(pdf)
	as := Assignment{ReservationID: id, SignerName: signer, SignaturePNG: sig, SignedAt: now, CreatedByName: a.Name, PDF: pdf,
		SHA256: hex.EncodeToString(sum[:])}
	if err := s.d.Assignments.SaveAssignment(ctx, &as); err != nil {
		return Assignment{}, err
	}
	return as, nil
}

// Assignment returns the signed assignment of reservation id; ok false
// when none is (or assignments are not kept). Errors: KindNotFound.
func (s *Service) Assignment(ctx context.Context, id int64) (Assignment, bool, error) {
	if s.d.Assignments == nil {
		return Assignment{}, false, nil
	}
	return s.d.Assignments.Assignment(ctx, id)
}

// assignmentDoc builds the assignment letter of reservation id dated at
// (zero: now), with the station's time zone and city (where it is signed).
func (s *Service) assignmentDoc(ctx context.Context, id int64, at time.Time) (document.LetterDoc, *time.Location, string, error) {
	var d document.LetterDoc
	if s.d.Covers == nil || s.d.Payers == nil {
		return d, nil, "", errs.Conflict("assignment_not_insurer")
	}
	r, err := s.d.Bookings.Reservation(ctx, id)
	if err != nil {
		return d, nil, "", err
	}
	cv, err := s.d.Covers.Cover(ctx, id)
	if err != nil {
		return d, nil, "", err
	}
	if cv.Mode != payer.ModePayer {
		return d, nil, "", errs.Conflict("assignment_not_insurer")
	}
	p, err := s.d.Payers.Payer(ctx, cv.PayerID)
	if err != nil {
		return d, nil, "", err
	}
	if p.Kind != payer.KindInsurer {
		return d, nil, "", errs.Conflict("assignment_not_insurer")
	}
	tn, err := s.d.Tenancy.Tenant(ctx)
	if err != nil {
		return d, nil, "", err
	}
	st, err := s.d.Tenancy.Station(ctx, r.StationID)
	if err != nil {
		return d, nil, "", err
	}
	cu, err := s.d.Customers.Customer(ctx, r.CustomerID)
	if err != nil {
		return d, nil, "", err
	}
	cu = r.Billing.Of(cu)
	if at.IsZero() {
		at = s.d.Now().UTC()
	}
	loc := st.Location()
	l := locale.Lang("de")
	b := Branding(tn)
	damage := ""
	if t, err := time.Parse("2006-01-02", cv.DamageDate); err == nil {
		damage = l.Date(t)
	}
	vehicle := ""
	if r.VehicleID != 0 {
		if v, err := s.d.Vehicles.Vehicle(ctx, r.VehicleID); err == nil {
			vehicle = v.Plate + " (" + v.Make + " " + v.Model + ")"
		}
	}
	injured := strings.Join(append([]string{cu.Name()}, person(cu).Address...), ", ")
	d = document.LetterDoc{Lang: "de", Location: loc, Branding: b, Date: at,
		Recipient: []string{p.Name, p.Street, strings.TrimSpace(p.PostalCode + " " + p.City)},
		Subject:   l.T("assignment.subject", locale.Params{"claim": cv.ClaimNumber}),
		Facts: [][2]string{
			{l.T("assignment.fact.claim"), cv.ClaimNumber},
			{l.T("assignment.fact.policy"), cv.PolicyNumber},
			{l.T("assignment.fact.damage_date"), damage},
			{l.T("assignment.fact.at_fault"), cv.AtFaultParty},
			{l.T("assignment.fact.injured"), injured},
			{l.T("assignment.fact.customer_car"), strings.TrimSpace(cv.CustomerPlate + " " + cv.CustomerVIN)},
			{l.T("assignment.fact.rental"), r.Number},
			{l.T("assignment.fact.replacement_car"), vehicle},
		},
		Paragraphs: []string{
			l.T("assignment.p1", locale.Params{"injured": cu.Name(), "dealer": b.LegalName}),
			l.T("assignment.p2", locale.Params{"dealer": b.LegalName}),
			l.T("assignment.p3"),
		},
	}
	if cv.ClaimNumber == "" {
		d.Subject = l.T("assignment.subject_no_claim")
	}
	return d, loc, st.City, nil
}
