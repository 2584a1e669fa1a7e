package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/document"
)

// reportsData is the reports page: one day's movements and payments at the
// counter, the open items, revenue per station and month, utilisation per
// vehicle and category.
type reportsData struct {
	Day, From, To string
	Movements     []contract.Movements
	Counter       []contract.CounterDay // payments at the counter on Day, per station
	Open          []contract.OpenItem
	Revenue       []contract.Revenue
	Utilisation   []contract.Utilisation
	Categories    []catUtil
}

type catUtil struct {
	Code                     string
	Vehicles                 int
	BookedHours, PeriodHours float64
}

// Percent is the category's utilisation in percent.
func (c catUtil) Percent() float64 {
	if c.PeriodHours == 0 {
		return 0
	}
	return 100 * c.BookedHours / c.PeriodHours
}

// Pct formats a percentage with one decimal.
func (reportsData) Pct(p float64) string { return strconv.FormatFloat(p, 'f', 1, 64) + " %" }

// reportRange reads day, from and to (YYYY-MM-DD, Berlin) from the query:
// day defaults to today, the period to the current month.
func (a *app) reportRange(r *http.Request) (d reportsData, day, from, to time.Time) {
	q := r.URL.Query()
	now := a.Now().In(berlin)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, berlin)
	day = today
	if t, err := time.ParseInLocation("2006-01-02", q.Get("day"), berlin); err == nil {
		day = t
	}
	from = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, berlin)
	to = from.AddDate(0, 1, 0)
	if t, err := time.ParseInLocation("2006-01-02", q.Get("from"), berlin); err == nil {
		from = t
	}
	if t, err := time.ParseInLocation("2006-01-02", q.Get("to"), berlin); err == nil && t.After(from) {
		to = t.AddDate(0, 0, 1) // inclusive
	}
	if !to.After(from) {
		to = from.AddDate(0, 1, 0)
	}
	d.Day, d.From, d.To = day.Format("2006-01-02"), from.Format("2006-01-02"), to.AddDate(0, 0, -1).Format("2006-01-02")
	return d, day, from, to
}

func (a *app) loadReports(r *http.Request) (reportsData, error) {
	ctx := r.Context()
	d, day, from, to := a.reportRange(r)
	var err error
	be := a.ContractData
	if d.Movements, err = be.DailyMovements(ctx, day, day.AddDate(0, 0, 1)); err != nil {
		return d, err
	}
	if d.Counter, err = be.CounterPayments(ctx, d.Day); err != nil {
		return d, err
	}
	if d.Open, err = be.OpenItems(ctx); err != nil {
		return d, err
	}
	if d.Revenue, err = be.RevenueByStationMonth(ctx, from, to, berlin); err != nil {
		return d, err
	}
	if d.Utilisation, err = be.UtilisationByVehicle(ctx, from, to); err != nil {
		return d, err
	}
	idx := map[string]int{}
	for _, u := range d.Utilisation {
		i, ok := idx[u.CategoryCode]
		if !ok {
			d.Categories = append(d.Categories, catUtil{Code: u.CategoryCode})
			i = len(d.Categories) - 1
			idx[u.CategoryCode] = i
		}
		d.Categories[i].Vehicles++
		d.Categories[i].BookedHours += u.BookedHours
		d.Categories[i].PeriodHours += u.PeriodHours
	}
	return d, nil
}

func (a *app) reportsPage(w http.ResponseWriter, r *http.Request) {
	d, err := a.loadReports(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, "reports", &view{Title: "rp.reports", Nav: "reports", Data: d})
}

// reportCSV exports one report as CSV (semicolon-separated, decimal comma
// for German spreadsheets; UTF-8 with BOM): movements.csv, receipts.csv
// (payments at the counter: sums per station and method, then the rows),
// open-items.csv, revenue.csv, utilisation.csv.
func (a *app) reportCSV(w http.ResponseWriter, r *http.Request) {
	d, err := a.loadReports(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	lang := reqCtx(r).lang
	euro := func(c int64) string {
		s := document.Money(document.Lang(lang).Or(), c)
		return s
	}
	var rows [][]string
	t := func(k string) string { return translate(lang, k) }
	switch r.PathValue("name") {
	case "movements.csv":
		rows = append(rows, []string{t("rp.day"), t("rp.station"), t("rp.planned_pickups"), t("rp.pickups"), t("rp.planned_returns"), t("rp.returns")})
		for _, m := range d.Movements {
			rows = append(rows, []string{d.Day, m.StationName, strconv.Itoa(m.PlannedPickups), strconv.Itoa(m.Pickups), strconv.Itoa(m.PlannedReturns), strconv.Itoa(m.Returns)})
		}
	case "receipts.csv":
		// two blocks: the sums per station and method (with the cash net
		// as a line of its own), then, after an empty line, every row
		rows = append(rows, []string{t("rp.day"), t("rp.station"), t("rc.method"), t("rp.cp.receipts"), t("rp.cp.payouts"),
			t("rp.cp.reversals"), t("rp.cp.net")})
		for _, cd := range d.Counter {
			for _, m := range cd.Methods {
				rows = append(rows, []string{d.Day, cd.StationName, t("rc.method." + m.Method), euro(m.ReceiptsCents), euro(m.PayoutsCents),
					euro(m.ReversalsCents), euro(m.NetCents())})
			}
			rows = append(rows, []string{d.Day, cd.StationName, t("rp.cp.cash_net"), "", "", "", euro(cd.CashNetCents())})
		}
		rows = append(rows, nil)
		rows = append(rows, []string{t("rp.day"), t("rp.station"), t("rp.cp.created"), t("ct.number"), t("ct.customer"), t("rp.cp.kind"),
			t("rc.method"), t("rc.reference"), t("rp.cp.amount"), t("rp.cp.created_by"), t("rp.cp.reason")})
		for _, cd := range d.Counter {
			for _, e := range cd.Entries {
				rows = append(rows, []string{d.Day, cd.StationName, e.CreatedAt.In(berlin).Format("2006-01-02 15:04"), e.ContractNumber,
					e.CustomerName, t("rp.cp.kind." + e.Kind), t("rc.method." + e.Method), e.Reference, euro(e.Signed()), e.CreatedByName, e.Reason})
			}
		}
	case "open-items.csv":
		rows = append(rows, []string{t("ct.number"), t("rp.station"), t("ct.customer"), t("ct.ended"), t("rp.open_amount")})
		for _, o := range d.Open {
			ended := ""
			if o.EndedAt != nil {
				ended = o.EndedAt.In(berlin).Format("2006-01-02 15:04")
			}
			rows = append(rows, []string{o.Number, o.StationName, o.CustomerName, ended, euro(o.OpenCents)})
		}
	case "revenue.csv":
		rows = append(rows, []string{t("rp.month"), t("rp.station"), t("rp.documents"), t("rp.net"), t("rp.gross")})
		for _, v := range d.Revenue {
			rows = append(rows, []string{v.Month, v.StationName, strconv.Itoa(v.Documents), euro(v.NetCents), euro(v.GrossCents)})
		}
	case "utilisation.csv":
		rows = append(rows, []string{t("rp.category"), t("fl.plate"), t("rp.booked_hours"), t("rp.period_hours"), t("rp.utilisation")})
		for _, u := range d.Utilisation {
			rows = append(rows, []string{u.CategoryCode, u.Plate, strconv.FormatFloat(u.BookedHours, 'f', 1, 64),
				strconv.FormatFloat(u.PeriodHours, 'f', 1, 64), strconv.FormatFloat(u.Percent(), 'f', 1, 64)})
		}
	default:
		a.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, r.PathValue("name")))
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.WriteAll(rows)
}
