package xrechnung

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
)

// Namespaces of CII D16B and the identifiers XRechnung 3.0 requires.
const (
	NSrsm = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
	NSram = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
	NSudt = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
	NSqdt = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"

	// GuidelineID is the specification identifier BT-24 of XRechnung 3.0.
	GuidelineID = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
	// ProcessID is the business process BT-23 (PEPPOL billing).
	ProcessID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
)

// Input is an issued invoice or credit note with what the e-invoice needs
// beyond its PDF. Doc is exactly what the PDF was (or would be) rendered
// from; Doc.Invoice.Payment says how its amount was paid or paid back,
// which gives the payment means (BG-16) and the amount still due.
type Input struct {
	Doc document.InvoiceDoc
	// BuyerEmail is the customer's e-mail: the buyer's electronic address
	// BT-49 (required).
	BuyerEmail string
	// OrderReference is the customer's own order reference (e.g. an
	// insurer's claim number); first choice for the buyer reference BT-10.
	OrderReference string
	// BookingNumber and ContractNumber are the fall-backs for BT-10, in this
	// order; with neither, BT-10 is "n/a".
	BookingNumber  string
	ContractNumber string
}

// BuyerReference returns the buyer reference BT-10 Render writes for in.
func (in Input) BuyerReference() string {
	for _, s := range []string{in.OrderReference, in.BookingNumber, in.ContractNumber} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return "n/a"
}

// TypeCode returns the UNTDID 1001 document type code BT-3 of an invoice kind:
// 381 credit note, 386 advance-payment invoice, 380 otherwise.
func TypeCode(k invoice.Kind) string {
	switch k {
	case invoice.KindCreditNote:
		return "381"
	case invoice.KindAdvance:
		return "386"
	}
	return "380"
}

// Render returns the XRechnung 3.0 CII XML of in. It is deterministic: the
// same input gives the same bytes. Errors: errs.KindInvalid when the invoice
// is not a valid issued document (invoice.Validate) or lacks what an
// e-invoice needs (tenant phone, e-mail or IBAN, customer e-mail, a VAT rate
// of 0 %), with field errors naming what to complete. A returned document
// has passed Check without errors.
func Render(in Input) ([]byte, error) {
	inv := in.Doc.Invoice
	if err := invoice.Validate(inv); err != nil {
		return nil, err
	}
	var f errs.Fields
	b := in.Doc.Branding
	if strings.TrimSpace(b.Phone) == "" {
		f.Add("tenant.phone", "xrechnung.seller_phone")
	}
	if !emailOK(b.Email) {
		f.Add("tenant.email", "xrechnung.seller_email")
	}
	if !emailOK(in.BuyerEmail) {
		f.Add("customer.email", "xrechnung.buyer_email")
	}
	for i, l := range inv.Lines {
		if l.VATRateBP == 0 && l.TaxCategory != invoice.CategoryNotSubject {
			f.Add(fmt.Sprintf("lines[%d].vat_rate", i), "xrechnung.zero_vat")
		}
	}
	t := invoice.Compute(inv)
	m := settle(in, t)
	if m.means == "58" && !ibanOK(b.IBAN) {
		f.Add("tenant.iban", "xrechnung.seller_iban")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	out := write(in, t, m)
	var problems []string
	for _, v := range Check(out) {
		if v.Severity == Error {
			problems = append(problems, v.String())
		}
	}
	if len(problems) > 0 {
		return nil, errors.New("xrechnung: rendered document breaks rules: " + strings.Join(problems, "; "))
	}
	return out, nil
}

// settlement is how the document is paid.
type settlement struct {
	prepaid int64  // BT-113
	due     int64  // BT-115
	means   string // BT-81, UNTDID 4461 (see Means)
	info    string // BT-82: the payment note the PDF prints
	card    string // BT-87: the card's last four digits (means 48)
}

// Means returns the payment means code BT-81 (UNTDID 4461) of a document's
// payment: 48 bank card (charged or refunded at the gateway, with its last
// four digits BT-87; without them ZZZ), 10 cash, 58 SEPA credit transfer to
// the seller's account (an amount still open, or paid by transfer), 97
// clearing between partners (a credit set off against what is owed), and
// ZZZ (mutually defined, named in BT-82) for what the list has no code for
// with the details EN 16931 asks: a payment at the counter's card terminal
// (no card number is recorded) and money paid back by transfer (the
// buyer's account is not known).
func Means(p invoice.Payment, paysBack bool) string {
	switch p.Means {
	case invoice.MeansCard:
		if onlyDigits(p.CardLast4) && len(p.CardLast4) == 4 {
			return "48"
		}
		return "ZZZ"
	case invoice.MeansCash:
		return "10"
	case invoice.MeansOffset:
		return "97"
	case invoice.MeansTransfer:
		if paysBack {
			return "ZZZ"
		}
		return "58"
	case invoice.MeansOpen:
		if paysBack {
			return "ZZZ"
		}
		return "58"
	}
	return "ZZZ"
}

func settle(in Input, t invoice.Totals) settlement {
	inv := in.Doc.Invoice
	back := document.PaysBack(inv, t)
	s := settlement{prepaid: t.DeductedGross, due: t.Due, means: Means(inv.Payment, back),
		info: document.PaymentNote(in.Doc.Lang.Or(), inv, t)}
	if !inv.Payment.Open() && t.Due > 0 {
		s.prepaid += t.Due
		s.due = 0
	}
	if s.means == "48" {
		s.card = inv.Payment.CardLast4
	}
	return s
}

// xw writes indented XML.
type xw struct {
	b     bytes.Buffer
	depth int
}

func (w *xw) indent() {
	for range w.depth {
		w.b.WriteString("  ")
	}
}

func (w *xw) open(name string, attrs ...string) {
	w.indent()
	w.b.WriteString("<" + name)
	for i := 0; i+1 < len(attrs); i += 2 {
		w.b.WriteString(" " + attrs[i] + `="`)
		escape(&w.b, attrs[i+1])
		w.b.WriteString(`"`)
	}
	w.b.WriteString(">\n")
	w.depth++
}

func (w *xw) close(name string) {
	w.depth--
	w.indent()
	w.b.WriteString("</" + name + ">\n")
}

func (w *xw) leaf(name, text string, attrs ...string) {
	w.indent()
	w.b.WriteString("<" + name)
	for i := 0; i+1 < len(attrs); i += 2 {
		w.b.WriteString(" " + attrs[i] + `="`)
		escape(&w.b, attrs[i+1])
		w.b.WriteString(`"`)
	}
	w.b.WriteString(">")
	escape(&w.b, text)
	w.b.WriteString("</" + name + ">\n")
}

// date writes a wrapper with a format-102 date.
func (w *xw) date(wrapper, inner string, t time.Time, loc *time.Location) {
	w.open(wrapper)
	w.leaf(inner, t.In(loc).Format("20060102"), "format", "102")
	w.close(wrapper)
}

// escape writes s as XML character data or attribute value: markup
// characters as references, invalid UTF-8 and characters XML 1.0 does not
// allow as U+FFFD.
func escape(b *bytes.Buffer, s string) {
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\r', '\t', '\n':
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
		default:
			if r < 0x20 || r == 0xFFFE || r == 0xFFFF {
				// not allowed in XML 1.0: printed as "�", as in the PDF, so
				// a name made only of them is not empty
				b.WriteRune(0xFFFD)
				continue
			}
			b.WriteRune(r)
		}
	}
}

func write(in Input, t invoice.Totals, m settlement) []byte {
	d := in.Doc
	inv := d.Invoice
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	l := d.Lang.Or()
	w := &xw{}
	w.b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.open("rsm:CrossIndustryInvoice", "xmlns:rsm", NSrsm, "xmlns:ram", NSram, "xmlns:qdt", NSqdt, "xmlns:udt", NSudt)

	w.open("rsm:ExchangedDocumentContext")
	w.open("ram:BusinessProcessSpecifiedDocumentContextParameter")
	w.leaf("ram:ID", ProcessID)
	w.close("ram:BusinessProcessSpecifiedDocumentContextParameter")
	w.open("ram:GuidelineSpecifiedDocumentContextParameter")
	w.leaf("ram:ID", GuidelineID)
	w.close("ram:GuidelineSpecifiedDocumentContextParameter")
	w.close("rsm:ExchangedDocumentContext")

	w.open("rsm:ExchangedDocument")
	w.leaf("ram:ID", inv.Number)
	w.leaf("ram:TypeCode", TypeCode(inv.Kind))
	w.date("ram:IssueDateTime", "udt:DateTimeString", inv.IssueDate, loc)
	for _, n := range notes(in, t, loc, l) {
		w.open("ram:IncludedNote")
		w.leaf("ram:Content", n.text)
		if n.subject != "" {
			w.leaf("ram:SubjectCode", n.subject)
		}
		w.close("ram:IncludedNote")
	}
	w.close("rsm:ExchangedDocument")

	w.open("rsm:SupplyChainTradeTransaction")
	nets := lineNets(inv, t)
	for i, l := range inv.Lines {
		writeLine(w, i+1, l, nets[i], inv.ServicePeriod, loc)
	}

	w.open("ram:ApplicableHeaderTradeAgreement")
	w.leaf("ram:BuyerReference", in.BuyerReference())
	w.open("ram:SellerTradeParty")
	w.leaf("ram:Name", inv.Supplier.Name)
	w.open("ram:DefinedTradeContact")
	w.leaf("ram:PersonName", firstOf(d.Branding.LegalName, inv.Supplier.Name))
	w.open("ram:TelephoneUniversalCommunication")
	w.leaf("ram:CompleteNumber", strings.TrimSpace(d.Branding.Phone))
	w.close("ram:TelephoneUniversalCommunication")
	w.open("ram:EmailURIUniversalCommunication")
	w.leaf("ram:URIID", strings.TrimSpace(d.Branding.Email))
	w.close("ram:EmailURIUniversalCommunication")
	w.close("ram:DefinedTradeContact")
	writeAddress(w, inv.Supplier.Address)
	writeURI(w, d.Branding.Email)
	notSubject := inv.NotSubject()
	if v := strings.TrimSpace(inv.Supplier.VATID); v != "" && !notSubject { // BR-O-02: no VAT ids outside the scope of VAT
		w.open("ram:SpecifiedTaxRegistration")
		w.leaf("ram:ID", v, "schemeID", "VA")
		w.close("ram:SpecifiedTaxRegistration")
	}
	if v := strings.TrimSpace(inv.Supplier.TaxNumber); v != "" {
		w.open("ram:SpecifiedTaxRegistration")
		w.leaf("ram:ID", v, "schemeID", "FC")
		w.close("ram:SpecifiedTaxRegistration")
	}
	w.close("ram:SellerTradeParty")
	w.open("ram:BuyerTradeParty")
	w.leaf("ram:Name", inv.Recipient.Name)
	writeAddress(w, inv.Recipient.Address)
	writeURI(w, in.BuyerEmail)
	if v := strings.TrimSpace(inv.Recipient.VATID); v != "" && !notSubject {
		w.open("ram:SpecifiedTaxRegistration")
		w.leaf("ram:ID", v, "schemeID", "VA")
		w.close("ram:SpecifiedTaxRegistration")
	}
	w.close("ram:BuyerTradeParty")
	if ref := strings.TrimSpace(in.OrderReference); ref != "" {
		w.open("ram:BuyerOrderReferencedDocument")
		w.leaf("ram:IssuerAssignedID", ref)
		w.close("ram:BuyerOrderReferencedDocument")
	}
	w.close("ram:ApplicableHeaderTradeAgreement")

	w.open("ram:ApplicableHeaderTradeDelivery")
	w.close("ram:ApplicableHeaderTradeDelivery")

	w.open("ram:ApplicableHeaderTradeSettlement")
	if m.means == "58" && m.due > 0 {
		w.leaf("ram:PaymentReference", inv.Number)
	}
	w.leaf("ram:InvoiceCurrencyCode", "EUR")
	w.open("ram:SpecifiedTradeSettlementPaymentMeans")
	w.leaf("ram:TypeCode", m.means)
	w.leaf("ram:Information", m.info)
	switch m.means {
	case "48":
		w.open("ram:ApplicableTradeSettlementFinancialCard")
		w.leaf("ram:ID", m.card)
		w.close("ram:ApplicableTradeSettlementFinancialCard")
	case "58":
		w.open("ram:PayeePartyCreditorFinancialAccount")
		w.leaf("ram:IBANID", compactIBAN(d.Branding.IBAN))
		w.leaf("ram:AccountName", firstOf(d.Branding.LegalName, inv.Supplier.Name))
		w.close("ram:PayeePartyCreditorFinancialAccount")
		if bic := strings.TrimSpace(d.Branding.BIC); bic != "" {
			w.open("ram:PayeeSpecifiedCreditorFinancialInstitution")
			w.leaf("ram:BICID", bic)
			w.close("ram:PayeeSpecifiedCreditorFinancialInstitution")
		}
	}
	w.close("ram:SpecifiedTradeSettlementPaymentMeans")
	for _, r := range t.Rates {
		w.open("ram:ApplicableTradeTax")
		w.leaf("ram:CalculatedAmount", euros(r.VAT))
		w.leaf("ram:TypeCode", "VAT")
		if notSubject {
			// BR-O-10: the reason, as text (BT-120) and code (BT-121)
			w.leaf("ram:ExemptionReason", document.NotSubjectReason(d.Lang.Or()))
		}
		w.leaf("ram:BasisAmount", euros(r.Net))
		if notSubject {
			w.leaf("ram:CategoryCode", "O")
			w.leaf("ram:ExemptionReasonCode", "VATEX-EU-O")
		} else {
			w.leaf("ram:CategoryCode", "S")
		}
		w.leaf("ram:RateApplicablePercent", rate(r.RateBP)) // BR-DE-14: also 0 for category O
		w.close("ram:ApplicableTradeTax")
	}
	w.open("ram:BillingSpecifiedPeriod")
	w.date("ram:StartDateTime", "udt:DateTimeString", inv.ServicePeriod.From, loc)
	w.date("ram:EndDateTime", "udt:DateTimeString", inv.ServicePeriod.To, loc)
	w.close("ram:BillingSpecifiedPeriod")
	if m.due > 0 {
		days := max(inv.Payment.TermsDays, 0)
		w.open("ram:SpecifiedTradePaymentTerms")
		w.leaf("ram:Description", m.info)
		w.date("ram:DueDateDateTime", "udt:DateTimeString", inv.IssueDate.In(loc).AddDate(0, 0, days), loc)
		w.close("ram:SpecifiedTradePaymentTerms")
	}
	w.open("ram:SpecifiedTradeSettlementHeaderMonetarySummation")
	w.leaf("ram:LineTotalAmount", euros(t.Net))
	w.leaf("ram:TaxBasisTotalAmount", euros(t.Net))
	w.leaf("ram:TaxTotalAmount", euros(t.VAT), "currencyID", "EUR")
	w.leaf("ram:GrandTotalAmount", euros(t.Gross))
	if m.prepaid != 0 {
		w.leaf("ram:TotalPrepaidAmount", euros(m.prepaid))
	}
	w.leaf("ram:DuePayableAmount", euros(m.due))
	w.close("ram:SpecifiedTradeSettlementHeaderMonetarySummation")
	if ref := preceding(inv); ref != nil {
		w.open("ram:InvoiceReferencedDocument")
		w.leaf("ram:IssuerAssignedID", ref.Number)
		w.date("ram:FormattedIssueDateTime", "qdt:DateTimeString", ref.IssueDate, loc)
		w.close("ram:InvoiceReferencedDocument")
	}
	w.close("ram:ApplicableHeaderTradeSettlement")
	w.close("rsm:SupplyChainTradeTransaction")
	w.close("rsm:CrossIndustryInvoice")
	return w.b.Bytes()
}

// preceding is the invoice BG-3 refers to: the corrected invoice of a credit
// note, the first advance of a final invoice.
func preceding(inv invoice.Invoice) *invoice.Reference {
	switch {
	case inv.Kind == invoice.KindCreditNote && inv.Corrects != nil:
		return inv.Corrects
	case inv.Kind == invoice.KindFinal && len(inv.Advances) > 0:
		return &invoice.Reference{Number: inv.Advances[0].Number, IssueDate: inv.Advances[0].IssueDate}
	}
	return nil
}

type note struct{ text, subject string }

func notes(in Input, t invoice.Totals, loc *time.Location, l document.Lang) []note {
	inv := in.Doc.Invoice
	var out []note
	if s := strings.TrimSpace(inv.Note); s != "" {
		out = append(out, note{text: s})
	}
	if inv.Kind == invoice.KindCreditNote && inv.Corrects != nil {
		out = append(out, note{text: l.T("xrechnung.note.credit",
			locale.Params{"number": inv.Corrects.Number, "date": locale.Date(inv.Corrects.IssueDate.In(loc))})})
	}
	for _, a := range inv.Advances {
		var parts []string
		for _, r := range a.Rates {
			parts = append(parts, l.T("xrechnung.note.advance_rate", locale.Params{"net": locale.Money(r.Net),
				"rate": locale.Percent(r.RateBP), "vat": locale.Money(r.VAT), "gross": locale.Money(r.Gross)}))
		}
		out = append(out, note{text: l.T("xrechnung.note.advance", locale.Params{"number": a.Number,
			"date": locale.Date(a.IssueDate.In(loc)), "rates": strings.Join(parts, "; ")})})
	}
	if len(inv.Advances) > 0 {
		out = append(out, note{text: l.T("xrechnung.note.deducted",
			locale.Params{"gross": locale.Money(t.DeductedGross), "vat": locale.Money(t.DeductedVAT)})})
	}
	if reg := register(in.Doc.Branding, l); reg != "" {
		out = append(out, note{text: reg, subject: "REG"})
	}
	return out
}

func register(b document.Branding, l document.Lang) string {
	var parts []string
	if s := strings.TrimSpace(b.LegalName); s != "" {
		parts = append(parts, s)
	}
	if s := strings.TrimSpace(strings.TrimSpace(b.RegisterCourt) + " " + strings.TrimSpace(b.RegisterNumber)); s != "" {
		parts = append(parts, s)
	}
	if len(b.ManagingDirectors) > 0 {
		parts = append(parts, l.T("xrechnung.note.managing_directors", locale.Params{"names": strings.Join(b.ManagingDirectors, ", ")}))
	}
	if len(parts) <= 1 {
		return ""
	}
	return strings.Join(parts, ", ")
}

// lineNets returns the net amount of each line such that the lines of each
// rate add up to that rate's net in t exactly (see the package doc).
func lineNets(inv invoice.Invoice, t invoice.Totals) []int64 {
	nets := make([]int64, len(inv.Lines))
	byRate := map[int][]int{}
	for i, l := range inv.Lines {
		nets[i], _ = invoice.Split(invoice.LineGross(l), l.VATRateBP)
		byRate[l.VATRateBP] = append(byRate[l.VATRateBP], i)
	}
	for _, r := range t.Rates {
		idx := byRate[r.RateBP]
		var sum int64
		for _, i := range idx {
			sum += nets[i]
		}
		diff := r.Net - sum
		if diff == 0 || len(idx) == 0 {
			continue
		}
		order := append([]int(nil), idx...)
		sort.SliceStable(order, func(a, b int) bool {
			return abs(invoice.LineGross(inv.Lines[order[a]])) > abs(invoice.LineGross(inv.Lines[order[b]]))
		})
		step := int64(1)
		if diff < 0 {
			step = -1
		}
		for k := 0; diff != 0; k++ {
			nets[order[k%len(order)]] += step
			diff -= step
		}
	}
	return nets
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func writeLine(w *xw, n int, l invoice.Line, net int64, p invoice.Period, loc *time.Location) {
	qty := l.QuantityMilli
	if net < 0 || (net == 0 && l.UnitGross < 0) {
		qty = -qty
	}
	// price in 1/10000 euro: |net| cents × 100 / |quantity|, half up.
	aq := abs(qty)
	price := (abs(net)*100*1000 + aq/2) / aq
	w.open("ram:IncludedSupplyChainTradeLineItem")
	w.open("ram:AssociatedDocumentLineDocument")
	w.leaf("ram:LineID", strconv.Itoa(n))
	w.close("ram:AssociatedDocumentLineDocument")
	w.open("ram:SpecifiedTradeProduct")
	w.leaf("ram:Name", l.Description)
	w.close("ram:SpecifiedTradeProduct")
	w.open("ram:SpecifiedLineTradeAgreement")
	w.open("ram:NetPriceProductTradePrice")
	w.leaf("ram:ChargeAmount", fixed(price, 4, 2))
	w.close("ram:NetPriceProductTradePrice")
	w.close("ram:SpecifiedLineTradeAgreement")
	w.open("ram:SpecifiedLineTradeDelivery")
	w.leaf("ram:BilledQuantity", decimalMilli(qty), "unitCode", UnitCode(l.Unit))
	w.close("ram:SpecifiedLineTradeDelivery")
	w.open("ram:SpecifiedLineTradeSettlement")
	w.open("ram:ApplicableTradeTax")
	w.leaf("ram:TypeCode", "VAT")
	if l.TaxCategory == invoice.CategoryNotSubject {
		w.leaf("ram:CategoryCode", "O") // BR-O-05: no rate on the line
	} else {
		w.leaf("ram:CategoryCode", "S")
		w.leaf("ram:RateApplicablePercent", rate(l.VATRateBP))
	}
	w.close("ram:ApplicableTradeTax")
	w.open("ram:SpecifiedTradeSettlementLineMonetarySummation")
	w.leaf("ram:LineTotalAmount", euros(net))
	w.close("ram:SpecifiedTradeSettlementLineMonetarySummation")
	w.close("ram:SpecifiedLineTradeSettlement")
	w.close("ram:IncludedSupplyChainTradeLineItem")
}

// UnitCode maps a Mietwerk line unit to its UN/ECE Recommendation 20 code
// (BT-130): day DAY, km KMT, litre LTR, hour HUR, piece H87, kWh KWH,
// percent (points of a battery's charge) P1; anything else
// (e.g. "eighth" of a tank) is C62 "one".
func UnitCode(unit string) string {
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "day", "days":
		return "DAY"
	case "km":
		return "KMT"
	case "litre", "liter", "l":
		return "LTR"
	case "hour", "h":
		return "HUR"
	case "piece", "pcs":
		return "H87"
	case "kwh":
		return "KWH"
	case "percent", "%":
		return "P1"
	}
	return "C62"
}

func writeAddress(w *xw, a invoice.Address) {
	w.open("ram:PostalTradeAddress")
	w.leaf("ram:PostcodeCode", strings.TrimSpace(a.PostalCode))
	w.leaf("ram:LineOne", strings.TrimSpace(a.Street))
	if s := strings.TrimSpace(a.Extra); s != "" {
		w.leaf("ram:LineTwo", s)
	}
	w.leaf("ram:CityName", strings.TrimSpace(a.City))
	w.leaf("ram:CountryID", countryOf(a.Country))
	w.close("ram:PostalTradeAddress")
}

func writeURI(w *xw, email string) {
	w.open("ram:URIUniversalCommunication")
	w.leaf("ram:URIID", strings.TrimSpace(email), "schemeID", "EM")
	w.close("ram:URIUniversalCommunication")
}

// countryOf returns the ISO 3166-1 alpha-2 code; empty means Germany.
func countryOf(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	if c == "" {
		return "DE"
	}
	return c
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func onlyDigits(s string) bool { return s != "" && digits(s) }

func compactIBAN(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

// ibanOK checks an IBAN's form and ISO 7064 mod-97 check digits.
func ibanOK(s string) bool {
	s = compactIBAN(s)
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	r := s[4:] + s[:4]
	var mod int
	for _, c := range r {
		switch {
		case c >= '0' && c <= '9':
			mod = (mod*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			mod = (mod*100 + int(c-'A'+10)) % 97
		default:
			return false
		}
	}
	return mod == 1
}

// emailOK is BR-DE-28's form check: one @, text on both sides, no blanks,
// a dot in the domain not at its ends.
func emailOK(s string) bool {
	s = strings.TrimSpace(s)
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") &&
		!strings.HasPrefix(local, ".") && !strings.HasSuffix(local, ".")
}
