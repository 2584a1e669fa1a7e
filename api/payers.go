package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

func init() {
	// the dealer's website or DMS finds the payer_id to book with; the
	// tablet apps too (never a browser's public key)
	operationAccess["GET /api/v1/payers"] = contractAccess
	operationAccess["GET /api/v1/payers/{id}"] = contractAccess
	// the dealer's accounting system: receivables and transfers received
	operationAccess["GET /api/v1/payers/{id}/open-items"] = access{{scope: secret}}
	operationAccess["POST /api/v1/payer-invoices/{number}/payments"] = access{{scope: secret}}
}

// ledgerZone is the calendar open items are read on: the day a document is
// overdue, as Verwaltung → Offene Posten reads it.
var ledgerZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// routesPayers mounts the payer operations (when Deps.Payers is set; the
// receivables also need Deps.Contracts).
func (s *server) routesPayers(mux *http.ServeMux) {
	if s.d.Payers == nil {
		return
	}
	s.mount(mux, "GET /api/v1/payers", s.listPayers)
	s.mount(mux, "GET /api/v1/payers/{id}", s.getPayer)
	if s.d.Contracts == nil {
		return
	}
	s.mount(mux, "GET /api/v1/payers/{id}/open-items", s.payerOpenItems)
	s.mount(mux, "POST /api/v1/payer-invoices/{number}/payments", s.idempotent(false, s.recordPayerPayment))
}

type payerRateOut struct {
	Category         string `json:"category"`
	PricePerDayCents int64  `json:"price_per_day_cents"`
}

type payerOut struct {
	ID          int64          `json:"id"`
	Kind        string         `json:"kind"`
	Name        string         `json:"name"`
	Covers      []string       `json:"covers"`
	CapDays     int            `json:"cap_days"`
	CapCents    int64          `json:"cap_cents"`
	Rates       []payerRateOut `json:"rates"`
	PaymentDays int            `json:"payment_days"`
	Collective  bool           `json:"collective"`
}

// payerResp is p as the API shows it; codes maps category ids to codes (a
// rate for a category not listed is left out).
func payerResp(p payer.Payer, codes map[int64]string) payerOut {
	out := payerOut{ID: p.ID, Kind: p.Kind, Name: p.Name, Covers: []string{}, CapDays: p.CapDays, CapCents: p.CapCents,
		Rates: []payerRateOut{}, PaymentDays: p.PaymentDays, Collective: p.Collective}
	for _, part := range payer.Parts {
		if p.Covered(part) {
			out.Covers = append(out.Covers, part)
		}
	}
	for _, r := range p.Rates {
		if code, ok := codes[r.CategoryID]; ok {
			out.Rates = append(out.Rates, payerRateOut{Category: code, PricePerDayCents: r.PricePerDayCents})
		}
	}
	return out
}

// categoryCodes maps the tenant's active categories' ids to their codes.
func (s *server) categoryCodes(r *http.Request) (map[int64]string, error) {
	cs, err := s.d.Bookings.Categories(r.Context())
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(cs))
	for _, c := range cs {
		out[c.ID] = c.Code
	}
	return out, nil
}

// listPayers lists the tenant's active payers by name, of one kind with
// ?kind=.
func (s *server) listPayers(r *http.Request) (int, any, error) {
	kind := strings.TrimSpace(r.URL.Query().Get("kind"))
	if kind != "" && !slices.Contains(payer.Kinds, kind) {
		return 0, nil, errs.Invalid("error.fields_invalid", errs.Field("kind", "api.payer_kind",
			locale.Params{"kinds": strings.Join(payer.Kinds, ", ")}))
	}
	ps, err := s.d.Payers.ListPayers(r.Context())
	if err != nil {
		return 0, nil, err
	}
	codes, err := s.categoryCodes(r)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Payers []payerOut `json:"payers"`
	}{[]payerOut{}}
	for _, p := range ps {
		if p.Active && (kind == "" || p.Kind == kind) {
			out.Payers = append(out.Payers, payerResp(p, codes))
		}
	}
	return http.StatusOK, out, nil
}

// activePayer is the active payer the path's {id} names. Errors:
// KindNotFound "payer_not_found" (also for an inactive one).
func (s *server) activePayer(r *http.Request) (payer.Payer, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return payer.Payer{}, errs.NotFound("payer_not_found")
	}
	p, err := s.d.Payers.Payer(r.Context(), id)
	if err != nil {
		return payer.Payer{}, err
	}
	if !p.Active {
		return payer.Payer{}, errs.NotFound("payer_not_found")
	}
	return p, nil
}

func (s *server) getPayer(r *http.Request) (int, any, error) {
	p, err := s.activePayer(r)
	if err != nil {
		return 0, nil, err
	}
	codes, err := s.categoryCodes(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, payerResp(p, codes), nil
}

type openItemOut struct {
	Number        string `json:"number"`
	Contract      string `json:"contract,omitempty"`
	IssuedOn      string `json:"issued_on"`
	DueOn         string `json:"due_on"`
	GrossCents    int64  `json:"gross_cents"`
	PaidCents     int64  `json:"paid_cents"`
	CreditedCents int64  `json:"credited_cents"`
	OpenCents     int64  `json:"open_cents"`
	DaysOverdue   int    `json:"days_overdue"`
	DunningLevel  int    `json:"dunning_level"`
	DunningBlock  bool   `json:"dunning_block"`
}

type openItemsOut struct {
	Payer     int64         `json:"payer_id"`
	Today     string        `json:"today"`
	Items     []openItemOut `json:"items"`
	OpenCents int64         `json:"open_cents"`
}

func openItemResp(it contract.PayerOpenItem) openItemOut {
	return openItemOut{Number: it.Number, Contract: it.ContractNumber, IssuedOn: it.IssuedAt.In(ledgerZone).Format("2006-01-02"),
		DueOn: it.DueOn, GrossCents: it.Due, PaidCents: it.Paid, CreditedCents: it.Credited, OpenCents: it.Open,
		DaysOverdue: it.DaysOverdue, DunningLevel: it.DunningLevel, DunningBlock: it.Blocked}
}

// payerOpenItems lists the payer's documents with money open, oldest due
// first: the figures of Verwaltung → Offene Posten (the same function).
func (s *server) payerOpenItems(r *http.Request) (int, any, error) {
	p, err := s.payerAny(r)
	if err != nil {
		return 0, nil, err
	}
	items, err := s.d.Contracts.PayerOpenItems(r.Context(), ledgerZone, p.ID)
	if err != nil {
		return 0, nil, err
	}
	out := openItemsOut{Payer: p.ID, Today: items.Today, Items: []openItemOut{}}
	for _, g := range items.Payers {
		if g.PayerID != p.ID {
			continue
		}
		for _, it := range g.Items {
			out.Items = append(out.Items, openItemResp(it))
		}
		out.OpenCents += g.Total
	}
	return http.StatusOK, out, nil
}

// payerAny is the payer the path's {id} names, active or not (an inactive
// payer may still owe money). Errors: KindNotFound.
func (s *server) payerAny(r *http.Request) (payer.Payer, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return payer.Payer{}, errs.NotFound("payer_not_found")
	}
	return s.d.Payers.Payer(r.Context(), id)
}

type payerPaymentIn struct {
	AmountCents *int64  `json:"amount_cents"`
	ReceivedOn  *string `json:"received_on"`
	Reference   *string `json:"reference"`
}

type payerPaymentOut struct {
	ID          int64       `json:"id"`
	Invoice     string      `json:"invoice"`
	AmountCents int64       `json:"amount_cents"`
	ReceivedOn  string      `json:"received_on"`
	Reference   string      `json:"reference"`
	Item        openItemOut `json:"invoice_after"`
}

// apiPaymentField is the request's name of a field the domain names.
var apiPaymentField = map[string]string{"amount": "amount_cents"}

// recordPayerPayment records a transfer the payer made against its
// document: the domain function and audit of the contract page's form.
func (s *server) recordPayerPayment(r *http.Request) (int, any, error) {
	var in payerPaymentIn
	f, err := decodeAll(r, &in)
	if err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	doc, err := s.payerDocument(r)
	if err != nil {
		return 0, nil, err
	}
	p := contract.PayerPayment{InvoiceID: doc.ID}
	if in.AmountCents != nil {
		p.AmountCents = *in.AmountCents
	} else if !f.Has("amount_cents") {
		f.Add("amount_cents", "field.required")
	}
	if in.ReceivedOn != nil {
		p.ReceivedOn = strings.TrimSpace(*in.ReceivedOn)
	}
	if in.Reference != nil {
		p.Reference = *in.Reference
	}
	// every field error at once, the request's and the domain's, before
	// anything is recorded
	err = s.d.Contracts.CheckPayerTransfer(ctx, &p)
	if e, ok := errs.As(err); ok && e.Kind == errs.KindInvalid {
		for _, fe := range e.Fields {
			if name, ok := apiPaymentField[fe.Field]; ok {
				fe.Field = name
			}
			if !f.Has(fe.Field) {
				f = append(f, fe)
			}
		}
	} else if err != nil {
		return 0, nil, err
	}
	if err := f.Err(); err != nil {
		return 0, nil, err
	}
	if err := s.d.Contracts.RecordPayerTransfer(ctx, &p); err != nil {
		return 0, nil, err
	}
	after, err := s.d.Contracts.PayerOpenItems(ctx, ledgerZone, doc.PayerID)
	if err != nil {
		return 0, nil, err
	}
	out := payerPaymentOut{ID: p.ID, Invoice: doc.Number, AmountCents: p.AmountCents, ReceivedOn: p.ReceivedOn, Reference: p.Reference}
	out.Item = openItemOut{Number: doc.Number, Contract: doc.ContractNumber, IssuedOn: doc.IssuedAt.In(ledgerZone).Format("2006-01-02"),
		DueOn: doc.DueOn, GrossCents: doc.Due, PaidCents: doc.Paid + p.AmountCents, CreditedCents: doc.Credited}
	for _, g := range after.Payers {
		for _, it := range g.Items {
			if it.ID == doc.ID {
				out.Item = openItemResp(it)
			}
		}
	}
	return http.StatusCreated, out, nil
}

// payerDocument is the payer document the path's {number} names. Errors:
// KindNotFound "invoice_not_found" (also for a customer's invoice or a
// credit note).
func (s *server) payerDocument(r *http.Request) (contract.Receivable, error) {
	number := strings.TrimSpace(r.PathValue("number"))
	if number == "" || len(number) > 40 || errs.BadText(number, false) {
		return contract.Receivable{}, errs.NotFound("invoice_not_found")
	}
	docs, err := s.d.Contracts.Receivables(r.Context(), contract.ReceivableFilter{Number: number})
	if err != nil {
		return contract.Receivable{}, err
	}
	if len(docs) != 1 || docs[0].Kind == invoice.KindCreditNote {
		return contract.Receivable{}, errs.NotFound("invoice_not_found")
	}
	return docs[0], nil
}
