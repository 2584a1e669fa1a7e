package web

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
)

// assignmentData is the page on which the customer signs the assignment of
// claims of an accident replacement rental: the text as it will be signed
// and the signature pad.
type assignmentData struct {
	Row        booking.Row
	Letter     document.LetterDoc
	SignerName string
	Signature  string // the drawn signature as a data URL, kept when the form comes back
	// FromHandover: staff came from the handover form (the customer signs
	// on the way to the car) and go back to it once signed.
	FromHandover bool
}

// assignmentPage shows the assignment of claims to sign.
func (a *app) assignmentPage(w http.ResponseWriter, r *http.Request) error {
	return a.renderAssignment(w, r, http.StatusOK, assignmentData{FromHandover: r.URL.Query().Get("from") == "handover"}, nil)
}

// assignmentSign stores the signed assignment and goes back to the rental;
// a missing name or signature comes back with its message, nothing stored.
func (a *app) assignmentSign(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Contracts == nil {
		return errNotFound
	}
	d := assignmentData{SignerName: strings.TrimSpace(r.PostFormValue("signer_name")), Signature: r.PostFormValue("signature"),
		FromHandover: r.PostFormValue("from") == "handover"}
	var sig []byte
	const prefix = "data:image/png;base64,"
	if strings.HasPrefix(d.Signature, prefix) {
		sig, _ = base64.StdEncoding.DecodeString(d.Signature[len(prefix):]) // a bad one is refused as not a PNG
	} else if d.Signature != "" {
		sig = []byte(d.Signature)
	}
	if _, err := a.Contracts.SignAssignment(r.Context(), id, d.SignerName, sig); err != nil {
		if k := errs.KindOf(err); k != errs.KindInvalid && k != errs.KindConflict {
			return err
		}
		return a.renderAssignment(w, r, httpStatusOf(err), d, err)
	}
	row, err := a.Bookings.ReservationRow(r.Context(), id)
	if err != nil {
		return err
	}
	switch {
	case row.ContractID != 0:
		http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=assignment", row.ContractID), http.StatusSeeOther)
	case d.FromHandover && row.Status == booking.StatusConfirmed:
		http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d/handover?done=assignment", id), http.StatusSeeOther)
	default:
		http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d?done=assignment", id), http.StatusSeeOther)
	}
	return nil
}

// assignmentPDF sends the signed assignment's PDF as stored.
func (a *app) assignmentPDF(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Contracts == nil {
		return errNotFound
	}
	as, ok, err := a.Contracts.Assignment(r.Context(), id)
	if err != nil {
		return err
	}
	if !ok {
		return errNotFound
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="Abtretung-%d.pdf"`, id))
	w.Header().Set("Content-Length", strconv.Itoa(len(as.PDF)))
	w.Write(as.PDF)
	return nil
}

// renderAssignment renders the signing page of the reservation of r with
// d as typed and, when given, the problem err.
func (a *app) renderAssignment(w http.ResponseWriter, r *http.Request, status int, d assignmentData, err error) error {
	id, ok := pathID(r, "id")
	if !ok || a.Contracts == nil {
		return errNotFound
	}
	ctx := r.Context()
	row, lerr := a.Bookings.ReservationRow(ctx, id)
	if lerr != nil {
		return lerr
	}
	d.Row = row
	v := &view{Title: "as.title", Nav: "reservations", Lang: reqCtx(r).lang}
	if row.ContractID != 0 {
		v.Nav = "contracts"
	}
	if d.Letter, lerr = a.Contracts.AssignmentText(ctx, id); lerr != nil {
		if errs.KindOf(lerr) != errs.KindConflict {
			return lerr
		}
		err, status = lerr, http.StatusConflict // not an insurer's rental: the page says so
	}
	if d.SignerName == "" && r.Method == http.MethodGet {
		d.SignerName = row.CustomerName
	}
	v.Data = d
	if err != nil {
		if status = a.formError(v, err); status == 0 {
			return err
		}
	}
	a.render(w, r, status, "assignment", v)
	return nil
}
