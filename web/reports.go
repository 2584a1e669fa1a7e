package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/locale"
)

// reportsData is the reports page: one day's movements and payments at the
// counter, the open items, revenue per station and month, utilisation per
// vehicle and category.
type reportsData struct {
	Lang          string // the reader's language, for numbers
	Day, From, To string
	Movements     []contract.Movements
	Counter       []contract.CounterDay // payments at the counter on Day, per station
	Open          []contract.OpenItem
	Revenue       []contract.Revenue
	Utilisation   []contract.Utilisation
	Categories    []catUtil
	ByPayer       []contract.PayerRevenue // revenue and rental days per payer and month
	Claims        []contract.Claim        // manufacturer programmes' claims
}

// PayerTotal sums the payer report over the period: documents, rental days,
// net and gross (the gross equals the revenue report's total: both count
// the same documents).
func (d reportsData) PayerTotal() contract.PayerRevenue {
	var t contract.PayerRevenue
	for _, r := range d.ByPayer {
		t.Documents += r.Documents
		t.RentalDays += r.RentalDays
		t.NetCents += r.NetCents
		t.GrossCents += r.GrossCents
	}
	return t
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

// Pct formats a percentage with one decimal in the reader's language
// ("12,5 %" / "12.5%").
func (d reportsData) Pct(p float64) string {
	return locale.Lang(d.Lang).Percent(int(math.Round(p*10)) * 10)
}

// Hours formats hours with one decimal in the reader's language ("12,5").
func (d reportsData) Hours(h float64) string {
	return locale.Lang(d.Lang).Quantity(int64(math.Round(h*10)) * 100)
}

// reportRange reads day, from and to (YYYY-MM-DD, Berlin) from the query:
// day defaults to today, the period to the current month.
func (a *app) reportRange(r *http.Request) (d reportsData, day, from, to time.Time) {
	q := r.URL.Query()
	d.Lang = reqCtx(r).lang
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
	if d.ByPayer, err = be.RevenueByPayerMonth(ctx, from, to, berlin); err != nil {
		return d, err
	}
	if d.Claims, err = be.ManufacturerClaims(ctx, from, to, berlin); err != nil {
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

// payerLabel names a payer row of a report in lang: the payer's name and
// kind, or "Fahrer (Selbstzahler)" for the drivers' own documents.
func payerLabel(lang, name, kind string) (string, string) {
	if kind == "" {
		return translate(lang, "rp.payer.drivers"), translate(lang, "rp.payer.drivers_kind")
	}
	return name, translate(lang, locale.Key("payer.kind."+kind))
}

func (a *app) reportsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := a.loadReports(r)
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "reports", &view{Title: "rp.reports", Nav: "reports", Data: d})
	return nil
}

// reportCSV exports one report as CSV (semicolon-separated, decimal comma
// for German spreadsheets; UTF-8 with BOM): movements.csv, receipts.csv
// (payments at the counter: sums per station and method, then the rows),
// open-items.csv, revenue.csv, utilisation.csv, payer-revenue.csv (revenue
// and rental days per payer and month), manufacturer-claims.csv (one row per
// invoice to a manufacturer programme, as importers ask for a claim).
func (a *app) reportCSV(w http.ResponseWriter, r *http.Request) error {
	d, err := a.loadReports(r)
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	var rows [][]csvCell
	t := func(k locale.Key) string { return translate(lang, k) }
	// the amounts' columns name their currency; the cells are bare numbers
	amounts := map[locale.Key]bool{"rp.cp.receipts": true, "rp.cp.payouts": true, "rp.cp.reversals": true, "rp.cp.net": true,
		"rp.cp.amount": true, "rp.open_amount": true, "rp.net": true, "rp.gross": true}
	head := func(keys ...locale.Key) []csvCell {
		out := make([]csvCell, len(keys))
		for i, k := range keys {
			if amounts[k] {
				out[i] = csvText(t(k) + " (€)")
			} else {
				out[i] = csvText(t(k))
			}
		}
		return out
	}
	num := func(n int) csvCell { return csvNum(strconv.Itoa(n)) }
	money := csvAmount
	hours := func(h float64) csvCell { return csvDecimal(h, 1) }
	switch r.PathValue("name") {
	case "movements.csv":
		rows = append(rows, head("rp.day", "rp.station", "rp.planned_pickups", "rp.pickups", "rp.planned_returns", "rp.returns"))
		for _, m := range d.Movements {
			rows = append(rows, []csvCell{csvText(d.Day), csvText(m.StationName), num(m.PlannedPickups), num(m.Pickups), num(m.PlannedReturns), num(m.Returns)})
		}
	case "receipts.csv":
		// two blocks: the sums per station and method (with the cash net
		// as a line of its own), then, after an empty line, every row
		rows = append(rows, head("rp.day", "rp.station", "rc.method", "rp.cp.receipts", "rp.cp.payouts", "rp.cp.reversals", "rp.cp.net"))
		for _, cd := range d.Counter {
			for _, m := range cd.Methods {
				rows = append(rows, []csvCell{csvText(d.Day), csvText(cd.StationName), csvText(t(locale.Key("receipt.method." + m.Method))), money(m.ReceiptsCents),
					money(m.PayoutsCents), money(m.ReversalsCents), money(m.NetCents())})
			}
			rows = append(rows, []csvCell{csvText(d.Day), csvText(cd.StationName), csvText(t("rp.cp.cash_net")), csvText(""), csvText(""), csvText(""),
				money(cd.CashNetCents())})
		}
		rows = append(rows, nil)
		rows = append(rows, head("rp.day", "rp.station", "rp.cp.created", "ct.number", "ct.customer", "rp.cp.kind",
			"rc.method", "rc.reference", "rp.cp.amount", "rp.cp.created_by", "rp.cp.reason"))
		for _, cd := range d.Counter {
			for _, e := range cd.Entries {
				rows = append(rows, []csvCell{csvText(d.Day), csvText(cd.StationName), csvText(e.CreatedAt.In(berlin).Format("2006-01-02 15:04")),
					csvText(e.ContractNumber), csvText(e.CustomerName), csvText(t(locale.Key("receipt.kind." + e.Kind))), csvText(t(locale.Key("receipt.method." + e.Method))),
					csvText(e.Reference), money(e.Signed()), csvText(e.CreatedByName), csvText(e.Reason)})
			}
		}
	case "open-items.csv":
		rows = append(rows, head("ct.number", "rp.station", "ct.customer", "ct.ended", "rp.open_amount"))
		for _, o := range d.Open {
			ended := ""
			if o.EndedAt != nil {
				ended = o.EndedAt.In(berlin).Format("2006-01-02 15:04")
			}
			rows = append(rows, []csvCell{csvText(o.Number), csvText(o.StationName), csvText(o.CustomerName), csvText(ended), money(o.OpenCents)})
		}
	case "revenue.csv":
		rows = append(rows, head("rp.month", "rp.station", "rp.documents", "rp.net", "rp.gross"))
		for _, v := range d.Revenue {
			rows = append(rows, []csvCell{csvText(v.Month), csvText(v.StationName), num(v.Documents), money(v.NetCents), money(v.GrossCents)})
		}
	case "payer-revenue.csv":
		rows = append(rows, head("rp.month", "rp.payer", "rp.payer_kind", "rp.documents", "rp.rental_days", "rp.net", "rp.gross"))
		for _, v := range d.ByPayer {
			name, kind := payerLabel(lang, v.PayerName, v.PayerKind)
			rows = append(rows, []csvCell{csvText(v.Month), csvText(name), csvText(kind), num(v.Documents), num(v.RentalDays),
				money(v.NetCents), money(v.GrossCents)})
		}
	case "manufacturer-claims.csv":
		rows = append(rows, head("rp.programme", "rp.month", "rp.invoice_number", "rp.invoice_date", "rp.document_kind",
			"rp.workshop_order", "cv.customer_vin", "cv.customer_plate", "rp.replacement_car", "ct.number", "rp.rental_from",
			"rp.rental_to", "rp.rental_days", "rp.net", "rp.gross"))
		day := func(t time.Time) csvCell {
			if t.IsZero() {
				return csvText("")
			}
			return csvText(t.In(berlin).Format("2006-01-02"))
		}
		for _, c := range d.Claims {
			kind := t("rp.claim.invoice")
			if c.CreditNote {
				kind = t("rp.claim.credit_note")
			}
			rows = append(rows, []csvCell{csvText(c.Programme), csvText(c.Month), csvText(c.InvoiceNumber), day(c.IssuedAt), csvText(kind),
				csvText(c.WorkshopRef), csvText(c.CustomerVIN), csvText(c.CustomerPlate), csvText(c.Vehicle), csvText(c.ContractNumber),
				day(c.From), day(c.To), num(c.Days), money(c.NetCents), money(c.GrossCents)})
		}
	case "utilisation.csv":
		rows = append(rows, head("rp.category", "fl.plate", "rp.booked_hours", "rp.period_hours", "rp.utilisation"))
		for _, u := range d.Utilisation {
			rows = append(rows, []csvCell{csvText(u.CategoryCode), csvText(u.Plate), hours(u.BookedHours), hours(u.PeriodHours), hours(u.Percent())})
		}
	default:
		return errNotFound
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, r.PathValue("name")))
	out, err := newCSVExport(w, false)
	if err == nil {
		for _, row := range rows {
			if err = out.row(row); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = out.close()
	}
	if err != nil {
		a.log.WarnContext(r.Context(), "report export aborted", "error", err, "path", r.URL.Path)
	}
	return nil
}
