package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// collectiveData is the collective invoice page of a payer: the month of
// returns it bills, the preview (the rentals and the invoice's totals) and
// the collective invoices issued before.
type collectiveData struct {
	Payer  payer.Payer
	Month  string // YYYY-MM
	Months []monthOption
	C      contract.Collective
	Issued []contract.CollectiveInvoice
	Done   *contract.CollectiveInvoice // the one just issued
}

type monthOption struct{ Value, Label string }

// collectivePage previews the collective invoice of a payer for a month
// of returns: ?month=YYYY-MM, by default the month of its oldest rental
// not yet billed, else the current one (admins only).
func (a *app) collectivePage(w http.ResponseWriter, r *http.Request) error {
	return a.renderCollective(w, r, http.StatusOK, nil)
}

// collectiveIssue issues the previewed collective invoice — if its total
// is still the one staff saw — and shows it (admins only).
func (a *app) collectiveIssue(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Payers == nil || a.Contracts == nil {
		return errNotFound
	}
	month := r.PostFormValue("month")
	from, to, ok := contract.Month(month, berlin)
	expect, err := strconv.ParseInt(r.PostFormValue("expect"), 10, 64)
	if !ok || err != nil {
		return errNotFound
	}
	iss, err := a.Contracts.IssueCollective(r.Context(), id, from, to, expect)
	if err != nil {
		return a.renderCollective(w, r, httpStatusOf(err), err)
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/payers/%d/collective?month=%s&done=%d", id, month, iss.ID), http.StatusSeeOther)
	return nil
}

// renderCollective renders the page for the payer and month of r, with the
// problem err when given.
func (a *app) renderCollective(w http.ResponseWriter, r *http.Request, status int, err error) error {
	id, ok := pathID(r, "id")
	if !ok || a.Payers == nil || a.Contracts == nil {
		return errNotFound
	}
	ctx := r.Context()
	lang := reqCtx(r).lang
	p, perr := a.Payers.Payer(ctx, id)
	if perr != nil {
		return perr
	}
	if p.Kind != payer.KindFleet {
		return errNotFound
	}
	d := collectiveData{Payer: p, Month: r.FormValue("month")}
	from, to, ok := contract.Month(d.Month, berlin)
	if !ok {
		now := a.Now().In(berlin)
		d.Month = now.Format("2006-01")
		if m, found, err := a.Contracts.OldestUncollected(ctx, id, berlin); err != nil {
			return err
		} else if found {
			d.Month = m
		}
		from, to, _ = contract.Month(d.Month, berlin)
	}
	// the month chosen, the current one and the twelve before it
	start := time.Date(a.Now().In(berlin).Year(), a.Now().In(berlin).Month(), 1, 0, 0, 0, 0, berlin)
	seen := false
	for i := 0; i <= 12; i++ {
		m := start.AddDate(0, -i, 0)
		d.Months = append(d.Months, monthOption{m.Format("2006-01"), locale.Lang(lang).MonthYear(m)})
		seen = seen || m.Format("2006-01") == d.Month
	}
	if !seen {
		d.Months = append(d.Months, monthOption{d.Month, locale.Lang(lang).MonthYear(from)})
	}
	if d.C, perr = a.Contracts.CollectivePreview(ctx, id, from, to); perr != nil {
		return perr
	}
	if d.Issued, perr = a.Contracts.CollectiveInvoices(ctx, id); perr != nil {
		return perr
	}
	v := &view{Title: "ci.run", Nav: "payers", Data: d, Lang: lang}
	if done, _ := strconv.ParseInt(r.URL.Query().Get("done"), 10, 64); done != 0 {
		for i := range d.Issued {
			if d.Issued[i].ID == done {
				d.Done = &d.Issued[i]
				v.Notice = translate(lang, "ci.issued", d.Done.Number, locale.Lang(lang).Money(d.Done.Gross))
			}
		}
		v.Data = d
	}
	if err != nil {
		if status = a.formError(v, err); status == 0 {
			return err
		}
	}
	a.render(w, r, status, "collective", v)
	return nil
}
