package web

import (
	"fmt"
	"net/http"
	"strconv"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/locale"
)

// openItemsData is the open-items page: the payers' open documents on a
// day, by payer and age.
type openItemsData struct {
	contract.OpenItems
	Buckets []int // the age buckets in column order
}

// payerOpenItems shows the open payer documents grouped by payer with age
// buckets (nicht fällig, 1–30, 31–60, >60 Tage überfällig) and their
// totals; a station user sees those of its stations.
func (a *app) payerOpenItems(w http.ResponseWriter, r *http.Request) error {
	if a.Contracts == nil {
		return errNotFound
	}
	items, err := a.Contracts.PayerOpenItems(r.Context(), berlin, 0)
	if err != nil {
		return err
	}
	d := openItemsData{OpenItems: items, Buckets: []int{contract.BucketNotDue, contract.Bucket1to30, contract.Bucket31to60, contract.BucketOver60}}
	a.render(w, r, http.StatusOK, "payer_open_items", &view{Title: "oi.title", Nav: "payer_items", Data: d})
	return nil
}

// payerOpenItemsCSV exports the open-items list: one line per document
// with its payer, amounts, due day, days overdue and age bucket.
func (a *app) payerOpenItemsCSV(w http.ResponseWriter, r *http.Request) error {
	if a.Contracts == nil {
		return errNotFound
	}
	items, err := a.Contracts.PayerOpenItems(r.Context(), berlin, 0)
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	blocked := func(b bool) string {
		if b {
			return translate(lang, "oi.blocked")
		}
		return ""
	}
	t := func(k locale.Key) string { return translate(lang, k) }
	rows := [][]csvCell{csvTexts(t("oi.payer"), t("inv.number"), t("ct.number"), t("inv.date"), t("ct.due_on"), t("rp.gross")+" (€)",
		t("oi.paid")+" (€)", t("pr.open")+" (€)", t("oi.days_overdue"), t("oi.bucket"), t("oi.dunning_level"), t("oi.blocked"))}
	for _, g := range items.Payers {
		for _, it := range g.Items {
			rows = append(rows, []csvCell{csvText(g.PayerName), csvText(it.Number), csvText(it.ContractNumber),
				csvText(it.IssuedAt.In(berlin).Format("2006-01-02")), csvText(it.DueOn), csvAmount(it.Due),
				csvAmount(it.Settled()), csvAmount(it.Open), csvNum(strconv.Itoa(it.DaysOverdue)),
				csvText(t(bucketKey(it.Bucket))), csvText(t(levelKey(it.DunningLevel))), csvText(blocked(it.Blocked))})
		}
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="offene-posten-kostentraeger-`+items.Today+`.csv"`)
	out, err := newCSVExport(w, false)
	for _, row := range rows {
		if err != nil {
			break
		}
		err = out.row(row)
	}
	if err == nil {
		err = out.close()
	}
	if err != nil {
		a.log.WarnContext(r.Context(), "open-items export aborted", "error", err)
	}
	return nil
}

// levelKey is the catalog key of a dunning level's name ("keine" for 0).
func levelKey(n int) locale.Key {
	if n <= 0 {
		return "oi.no_level"
	}
	return locale.Key(fmt.Sprintf("dunning.level.%d", n))
}

// bucketKey is the catalog key of an age bucket's label.
func bucketKey(b int) locale.Key {
	return locale.Key([]string{"oi.bucket.not_due", "oi.bucket.1_30", "oi.bucket.31_60", "oi.bucket.over_60"}[b])
}

// BucketLabel is an age bucket's label in the page's language.
func (v *view) BucketLabel(b int) string { return v.T(string(bucketKey(b))) }

// LevelLabel is a dunning level's name in the page's language.
func (v *view) LevelLabel(n int) string { return v.T(string(levelKey(n))) }
