package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// dunningData is the dunning page: today's proposal, the notices issued,
// the blocks and the settings form.
type dunningData struct {
	contract.DunningRun
	Payers   []payer.Payer
	Issued   int // notices the run just issued (shown with ?done=issued&n=)
	Settings map[string]string
	// BlockPayer, BlockInvoice, BlockReason keep a refused block form.
	BlockPayer, BlockInvoice, BlockReason string
}

// LevelTitle is a level's name.
func (v *view) LevelTitle(level int) string { return v.T(fmt.Sprintf("dunning.level.%d", level)) }

// dunningPage shows which payer documents reach which dunning level today
// (the proposal), the notices issued and the Mahnsperren (admins only).
func (a *app) dunningPage(w http.ResponseWriter, r *http.Request) error {
	d, err := a.loadDunning(r)
	if err != nil {
		return err
	}
	v := &view{Title: "dn.title", Nav: "payer_items", Data: d}
	switch r.URL.Query().Get("done") {
	case "issued":
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		v.Notice = translate(reqCtx(r).lang, "dn.done.issued", locale.Params{"n": n})
	case "blocked":
		v.Notice = translate(reqCtx(r).lang, "dn.done.blocked")
	case "lifted":
		v.Notice = translate(reqCtx(r).lang, "dn.done.lifted")
	case "settings":
		v.Notice = translate(reqCtx(r).lang, "common.saved")
	}
	a.render(w, r, http.StatusOK, "dunning", v)
	return nil
}

func (a *app) loadDunning(r *http.Request) (dunningData, error) {
	if a.Contracts == nil || a.Payers == nil {
		return dunningData{}, errNotFound
	}
	run, err := a.Contracts.DunningOverview(r.Context(), berlin)
	if err != nil {
		return dunningData{}, err
	}
	ps, err := a.Payers.ListPayers(r.Context())
	if err != nil {
		return dunningData{}, err
	}
	lang := reqCtx(r).lang
	d := dunningData{DunningRun: run, Payers: ps, Settings: map[string]string{}}
	for i, l := range run.Settings.Levels {
		n := i + 1
		d.Settings[fmt.Sprintf("days_%d", n)] = strconv.Itoa(l.Days)
		d.Settings[fmt.Sprintf("fee_%d", n)] = moneyText(lang, l.FeeCents)
		d.Settings[fmt.Sprintf("text_%d", n)] = l.Text
	}
	d.Settings["term_days"] = strconv.Itoa(run.Settings.TermDays)
	return d, nil
}

// dunningAgain shows the page again with err on the form fields.
func (a *app) dunningAgain(w http.ResponseWriter, r *http.Request, err error, problems map[string]string, edit func(*dunningData)) error {
	d, lerr := a.loadDunning(r)
	if lerr != nil {
		return lerr
	}
	edit(&d)
	v := &view{Title: "dn.title", Nav: "payer_items", Data: d, Errors: problems}
	status := http.StatusUnprocessableEntity
	if err != nil {
		if status = a.formError(v, err); status == 0 {
			return err
		}
		for k, msg := range problems {
			if v.Errors[k] == "" {
				v.Errors[k] = msg
			}
		}
	} else {
		v.Alert = translate(reqCtx(r).lang, "error.fields_invalid")
	}
	a.render(w, r, status, "dunning", v)
	return nil
}

// dunningRun issues today's proposal: one notice per document and level,
// e-mailed to the payer; a second run the same day issues nothing twice.
func (a *app) dunningRun(w http.ResponseWriter, r *http.Request) error {
	if a.Contracts == nil {
		return errNotFound
	}
	ns, err := a.Contracts.IssueDunning(r.Context(), berlin)
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/dunning?done=issued&n=%d#notices", len(ns)), http.StatusSeeOther)
	return nil
}

// dunningBlock sets a Mahnsperre on a payer or one of its documents.
func (a *app) dunningBlock(w http.ResponseWriter, r *http.Request) error {
	if a.Contracts == nil {
		return errNotFound
	}
	p, inv, reason := r.PostFormValue("block_payer"), r.PostFormValue("block_invoice"), r.PostFormValue("block_reason")
	err := a.Contracts.SetDunningBlock(r.Context(), formID(p), formID(inv), reason)
	if err != nil {
		if isNotFound(err) {
			return err
		}
		return a.dunningAgain(w, r, prefixed(err, "block_"), nil, func(d *dunningData) { d.BlockPayer, d.BlockInvoice, d.BlockReason = p, inv, reason })
	}
	http.Redirect(w, r, "/admin/dunning?done=blocked#blocks", http.StatusSeeOther)
	return nil
}

// dunningLift lifts a Mahnsperre.
func (a *app) dunningLift(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Contracts == nil {
		return errNotFound
	}
	if err := a.Contracts.LiftDunningBlock(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/dunning?done=lifted#blocks", http.StatusSeeOther)
	return nil
}

// dunningSettings saves the levels' days, fees and texts.
func (a *app) dunningSettings(w http.ResponseWriter, r *http.Request) error {
	if a.Contracts == nil {
		return errNotFound
	}
	lang := reqCtx(r).lang
	problems := map[string]string{}
	var set contract.DunningSettings
	vals := map[string]string{}
	for i := range set.Levels {
		n := i + 1
		for _, k := range []string{"days", "fee", "text"} {
			name := fmt.Sprintf("%s_%d", k, n)
			vals[name] = r.PostFormValue(name)
		}
		set.Levels[i].Days = int(formInt(r, fmt.Sprintf("days_%d", n), problems, lang))
		set.Levels[i].FeeCents = formCents(r, fmt.Sprintf("fee_%d", n), problems, lang)
		set.Levels[i].Text = strings.TrimSpace(r.PostFormValue(fmt.Sprintf("text_%d", n)))
	}
	vals["term_days"] = r.PostFormValue("term_days")
	set.TermDays = int(formInt(r, "term_days", problems, lang))
	var err error
	if len(problems) == 0 {
		err = a.Contracts.SaveDunningSettings(r.Context(), set)
	}
	if len(problems) > 0 || err != nil {
		return a.dunningAgain(w, r, err, problems, func(d *dunningData) { d.Settings = vals })
	}
	http.Redirect(w, r, "/admin/dunning?done=settings#settings", http.StatusSeeOther)
	return nil
}

// dunningPDF sends a notice's PDF as issued.
func (a *app) dunningPDF(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Contracts == nil {
		return errNotFound
	}
	n, err := a.Contracts.DunningNoticePDF(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+fileSafe(n.Number, "mahnung")+`.pdf"`)
	w.Write(n.PDF)
	return nil
}

// prefixed returns err with its field names prefixed (the page has more
// than one form).
func prefixed(err error, prefix string) error {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = append([]errs.FieldError(nil), e.Fields...)
	for i := range out.Fields {
		out.Fields[i].Field = prefix + out.Fields[i].Field
	}
	return &out
}
