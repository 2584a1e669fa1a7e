package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"mietwerk.dev/mietwerk/contract"
)

// fineAnswer records that the keeper's answer to the authority is made
// (the fine becomes "beantwortet") and returns to the fine with the
// documents to print.
func (a *app) fineAnswer(w http.ResponseWriter, r *http.Request) error {
	return a.fineAction(w, r, "answered", a.Contracts.AnswerFine)
}

// fineSendLetter e-mails the letter to the customer through the outbox.
func (a *app) fineSendLetter(w http.ResponseWriter, r *http.Request) error {
	return a.fineAction(w, r, "sent", a.Contracts.SendFineLetter)
}

// fineAction runs act on the fine of the path and returns to its page
// with the notice done, or shows the page with the problem.
func (a *app) fineAction(w http.ResponseWriter, r *http.Request, done string, act func(ctx context.Context, id int64) error) error {
	id, ok := pathID(r, "id")
	if !ok || a.Contracts == nil {
		return errNotFound
	}
	if err := act(r.Context(), id); err != nil {
		return a.fineAgain(w, r, id, err, nil)
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/fines/%d?done=%s", id, done), http.StatusSeeOther)
	return nil
}

// fineAgain shows the fine's page with the problem err (and edit applied
// to its data).
func (a *app) fineAgain(w http.ResponseWriter, r *http.Request, id int64, err error, edit func(*finePageData)) error {
	d, lerr := a.loadFinePage(r, id)
	if lerr != nil {
		return lerr
	}
	if edit != nil {
		edit(d)
	}
	v := &view{Title: "fines.case_title", Nav: "vehicles", Data: d}
	status := http.StatusOK
	if err != nil {
		if status = a.formError(v, err); status == 0 {
			return err
		}
	}
	a.render(w, r, status, "fine", v)
	return nil
}

// fineDocument answers a fine's PDF: the keeper's answer to the authority
// (/answer.pdf) or the letter to the customer (/letter.pdf).
func (a *app) fineDocument(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Contracts == nil {
		return errNotFound
	}
	which := contract.FineDocAnswer
	if r.PathValue("doc") == "letter.pdf" {
		which = contract.FineDocLetter
	} else if r.PathValue("doc") != "answer.pdf" {
		return errNotFound
	}
	_, name, pdf, err := a.Contracts.FineDocument(r.Context(), id, which)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+fileSafe(name, "document")+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Write(pdf)
	return nil
}
