package xrechnung

import (
	"fmt"
	"strings"
)

// Severity says whether a rule must (Error) or should (Warning) hold.
type Severity string

// The severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Violation is one broken rule: its identifier (EN 16931 "BR-…", XRechnung
// "BR-DE-…", or "XML"/"CII-…" for syntax), severity and a message naming
// the element and the values found.
type Violation struct {
	Rule     string
	Severity Severity
	Message  string
}

func (v Violation) String() string { return fmt.Sprintf("[%s %s] %s", v.Severity, v.Rule, v.Message) }

// Paths of the elements the rules read.
const (
	pCtx     = "rsm:ExchangedDocumentContext"
	pDoc     = "rsm:ExchangedDocument"
	pTx      = "rsm:SupplyChainTradeTransaction"
	pAgr     = pTx + "/ram:ApplicableHeaderTradeAgreement"
	pSeller  = pAgr + "/ram:SellerTradeParty"
	pBuyer   = pAgr + "/ram:BuyerTradeParty"
	pSet     = pTx + "/ram:ApplicableHeaderTradeSettlement"
	pSum     = pSet + "/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
	pLines   = pTx + "/ram:IncludedSupplyChainTradeLineItem"
	pContact = pSeller + "/ram:DefinedTradeContact"
)

// Check reports the EN 16931 and XRechnung 3.0 rules xml breaks, as far as
// they apply to invoices and credit notes Mietwerk issues: well-formedness,
// CII namespaces and element order, mandatory fields (BR-01..BR-16,
// BR-21..BR-27, BR-DE-1..BR-DE-21 that can be checked, BT-34/BT-49),
// the arithmetic BR-CO-10, -13, -14, -15, -16, BR-S-08, -09 (±0.01 for
// rounding), two-decimal amounts (BR-DEC), payment means (BR-49/50/51/61,
// BR-DE-19/23/24), BR-CO-25 and category O, not subject to VAT (BR-O-01,
// -02, -05, -08 to -11). An empty result means no rule found broken;
// Check does not replace the KoSIT validator for what it does not cover.
func Check(xml []byte) []Violation {
	var out []Violation
	add := func(sev Severity) func(rule, msg string) {
		return func(rule, msg string) { out = append(out, Violation{Rule: rule, Severity: sev, Message: msg}) }
	}
	fail, warn := add(Error), add(Warning)
	root, err := parse(xml)
	if err != nil {
		fail("XML", "not well-formed: "+err.Error())
		return out
	}
	checkStructure(root, fail)
	if root.space != NSrsm || root.local != "CrossIndustryInvoice" {
		return out
	}
	r := root
	need := func(rule, path, what string) string {
		v := r.val(path)
		if v == "" {
			fail(rule, what+" is missing ("+path+")")
		}
		return v
	}

	// Document level.
	if id := need("BR-01", pCtx+"/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", "specification identifier BT-24"); id != "" && id != GuidelineID {
		fail("BR-DE-21", fmt.Sprintf("specification identifier BT-24 is %q, want %q", id, GuidelineID))
	}
	need("BR-02", pDoc+"/ram:ID", "invoice number BT-1")
	need("BR-03", pDoc+"/ram:IssueDateTime/udt:DateTimeString", "issue date BT-2")
	checkDate(r, pDoc+"/ram:IssueDateTime/udt:DateTimeString", fail)
	tc := need("BR-04", pDoc+"/ram:TypeCode", "invoice type code BT-3")
	switch {
	case tc == "", xrTypeCodes[tc]:
	case en16931TypeCodes[tc]:
		warn("BR-DE-17", fmt.Sprintf("invoice type code BT-3 %s is not one of 326, 380, 384, 389, 381, 875, 876, 877 that XRechnung recommends", tc))
	default:
		fail("BR-CL-01", fmt.Sprintf("invoice type code BT-3 %q is not a UNTDID 1001 invoice or credit note code", tc))
	}
	if cur := need("BR-05", pSet+"/ram:InvoiceCurrencyCode", "currency BT-5"); cur != "" && cur != "EUR" {
		fail("BR-05", "currency BT-5 is "+cur+"; only EUR is issued")
	}
	need("BR-DE-15", pAgr+"/ram:BuyerReference", "buyer reference BT-10")

	// Seller.
	need("BR-06", pSeller+"/ram:Name", "seller name BT-27")
	if r.one(pSeller+"/ram:PostalTradeAddress") == nil {
		fail("BR-08", "seller postal address BG-5 is missing")
	}
	need("BR-09", pSeller+"/ram:PostalTradeAddress/ram:CountryID", "seller country code BT-40")
	need("BR-DE-3", pSeller+"/ram:PostalTradeAddress/ram:CityName", "seller city BT-37")
	need("BR-DE-4", pSeller+"/ram:PostalTradeAddress/ram:PostcodeCode", "seller post code BT-38")
	if r.one(pContact) == nil {
		fail("BR-DE-2", "seller contact BG-6 is missing")
	}
	need("BR-DE-5", pContact+"/ram:PersonName", "seller contact point BT-41")
	if ph := need("BR-DE-6", pContact+"/ram:TelephoneUniversalCommunication/ram:CompleteNumber", "seller contact phone BT-42"); ph != "" && countDigits(ph) < 3 {
		warn("BR-DE-27", "seller contact phone BT-42 "+ph+" has fewer than 3 digits")
	}
	if em := need("BR-DE-7", pContact+"/ram:EmailURIUniversalCommunication/ram:URIID", "seller contact e-mail BT-43"); em != "" && !emailOK(em) {
		warn("BR-DE-28", "seller contact e-mail BT-43 "+em+" is not a valid e-mail address")
	}
	checkURI(r, pSeller, "BT-34", "seller", fail)
	var vatID, taxNo bool
	for _, reg := range r.all(pSeller + "/ram:SpecifiedTaxRegistration/ram:ID") {
		switch reg.attr("schemeID") {
		case "VA":
			vatID = strings.TrimSpace(reg.text) != ""
		case "FC":
			taxNo = strings.TrimSpace(reg.text) != ""
		default:
			fail("BR-CO-9", "seller tax registration scheme "+reg.attr("schemeID")+" is neither VA nor FC")
		}
	}

	// Buyer.
	need("BR-07", pBuyer+"/ram:Name", "buyer name BT-44")
	if r.one(pBuyer+"/ram:PostalTradeAddress") == nil {
		fail("BR-10", "buyer postal address BG-8 is missing")
	}
	need("BR-11", pBuyer+"/ram:PostalTradeAddress/ram:CountryID", "buyer country code BT-55")
	need("BR-DE-8", pBuyer+"/ram:PostalTradeAddress/ram:CityName", "buyer city BT-52")
	need("BR-DE-9", pBuyer+"/ram:PostalTradeAddress/ram:PostcodeCode", "buyer post code BT-53")
	checkURI(r, pBuyer, "BT-49", "buyer", fail)

	// Period and preceding invoice.
	if p := r.one(pSet + "/ram:BillingSpecifiedPeriod"); p != nil {
		from := checkDate(r, pSet+"/ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString", fail)
		to := checkDate(r, pSet+"/ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString", fail)
		if from != "" && to != "" && to < from {
			fail("BR-29", "invoicing period end BT-74 "+to+" is before its start BT-73 "+from)
		}
		if from == "" && to == "" {
			fail("BR-CO-19", "invoicing period BG-14 has neither start nor end date")
		}
	}
	for _, ref := range r.all(pSet + "/ram:InvoiceReferencedDocument") {
		if ref.val("ram:IssuerAssignedID") == "" {
			fail("BR-55", "preceding invoice reference BG-3 without invoice number BT-25")
		}
	}
	if tc == "381" && r.one(pSet+"/ram:InvoiceReferencedDocument") == nil {
		warn("BR-DE-26", "credit note without preceding invoice reference BG-3")
	}

	// Lines.
	lines := r.all(pLines)
	if len(lines) == 0 {
		fail("BR-16", "the invoice has no line BG-25")
	}
	lineNet := map[string]int64{} // per rate key
	var sumLines int64
	for i, l := range lines {
		at := fmt.Sprintf("line %d", i+1)
		if l.val("ram:AssociatedDocumentLineDocument/ram:LineID") == "" {
			fail("BR-21", at+": line identifier BT-126 is missing")
		}
		q := l.one("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
		if q == nil || strings.TrimSpace(q.text) == "" {
			fail("BR-22", at+": invoiced quantity BT-129 is missing")
		} else if q.attr("unitCode") == "" {
			fail("BR-23", at+": unit of measure BT-130 is missing")
		}
		net, ok := amount(l, "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", "BR-24", at+": line net amount BT-131", fail)
		if l.val("ram:SpecifiedTradeProduct/ram:Name") == "" {
			fail("BR-25", at+": item name BT-153 is missing")
		}
		price := l.val("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount")
		if price == "" {
			fail("BR-26", at+": item net price BT-146 is missing")
		} else if p, _, pok := parseDecimal(price, 6); !pok {
			fail("BR-26", at+": item net price BT-146 "+price+" is not a number")
		} else if p < 0 {
			fail("BR-27", at+": item net price BT-146 "+price+" is negative")
		}
		tax := l.one("ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax")
		cat := tax.val("ram:CategoryCode")
		if tax == nil || cat == "" {
			fail("BR-CO-4", at+": VAT category BT-151 is missing")
		}
		rt := tax.val("ram:RateApplicablePercent")
		switch cat {
		case "S":
			if bp, _, rok := parseDecimal(rt, 2); !rok || bp <= 0 {
				fail("BR-S-05", at+": standard-rated line needs a VAT rate BT-152 above 0, got "+quote(rt))
			}
		case "O":
			if tax.one("ram:RateApplicablePercent") != nil {
				fail("BR-O-05", at+": a line not subject to VAT must not carry a VAT rate BT-152")
			}
		}
		if ok {
			key := taxKey(cat, rt)
			lineNet[key] += net
			sumLines += net
		}
	}
	_, outOfScope := lineNet["O"]

	// VAT breakdown.
	taxes := r.all(pSet + "/ram:ApplicableTradeTax")
	var sumVAT int64
	seen := map[string]bool{}
	for i, t := range taxes {
		at := fmt.Sprintf("VAT breakdown %d", i+1)
		cat := t.val("ram:CategoryCode")
		rt := t.val("ram:RateApplicablePercent")
		if rt == "" {
			fail("BR-DE-14", at+": VAT rate BT-119 is missing")
		}
		base, bok := amount(t, "ram:BasisAmount", "BR-45", at+": taxable amount BT-116", fail)
		vat, vok := amount(t, "ram:CalculatedAmount", "BR-46", at+": tax amount BT-117", fail)
		key := taxKey(cat, rt)
		seen[key] = true
		if vok {
			sumVAT += vat
		}
		if cat == "O" {
			if len(taxes) > 1 {
				fail("BR-O-11", at+": a VAT breakdown not subject to VAT allows no other VAT breakdown")
			}
			if bok && base != lineNet[key] {
				fail("BR-O-08", fmt.Sprintf("%s: taxable amount BT-116 %s ≠ sum of the net amounts of the lines not subject to VAT %s",
					at, euros(base), euros(lineNet[key])))
			}
			if vok && vat != 0 {
				fail("BR-O-09", at+": tax amount BT-117 of a breakdown not subject to VAT must be 0, got "+euros(vat))
			}
			if t.val("ram:ExemptionReason") == "" && t.val("ram:ExemptionReasonCode") == "" {
				fail("BR-O-10", at+": a breakdown not subject to VAT needs an exemption reason BT-120 or code BT-121")
			}
			continue
		}
		if cat != "S" {
			fail("BR-S-01", at+": only VAT categories S and O are issued, got "+quote(cat))
			continue
		}
		if bok && base != lineNet[key] {
			fail("BR-S-08", fmt.Sprintf("%s: taxable amount BT-116 %s ≠ sum of line net amounts at %s %% %s",
				at, euros(base), rt, euros(lineNet[key])))
		}
		bp, _, rok := parseDecimal(rt, 2)
		if bok && vok && rok {
			if want := vatOf(base, bp); abs(vat-want) > 1 {
				fail("BR-S-09", fmt.Sprintf("%s: tax amount BT-117 %s ≠ %s × %s %% = %s (±0.01)", at, euros(vat), euros(base), rt, euros(want)))
			}
		}
	}
	for key := range lineNet {
		if !seen[key] && key == "O" {
			fail("BR-O-01", "no VAT breakdown for the lines not subject to VAT")
		} else if !seen[key] {
			fail("BR-S-01", "no VAT breakdown for the lines at "+strings.Replace(key, "|", " ", 1)+" %")
		}
	}
	if len(lineNet) > 0 && !outOfScope && !vatID && !taxNo {
		fail("BR-DE-16", "seller VAT identifier BT-31 or tax registration BT-32 is required")
	}
	if outOfScope && (vatID || buyerVATID(r)) {
		fail("BR-O-02", "an invoice with lines not subject to VAT must not carry the seller's or the buyer's VAT identifier BT-31/BT-48")
	}

	// Totals.
	get := func(name, rule, bt string) (int64, bool) {
		if r.one(pSum+"/ram:"+name) == nil {
			if rule != "" {
				fail(rule, bt+" is missing")
			}
			return 0, false
		}
		return amount(r, pSum+"/ram:"+name, rule, bt, fail)
	}
	b106, ok106 := get("LineTotalAmount", "BR-12", "sum of line net amounts BT-106")
	b107, _ := get("AllowanceTotalAmount", "", "allowances BT-107")
	b108, _ := get("ChargeTotalAmount", "", "charges BT-108")
	b109, ok109 := get("TaxBasisTotalAmount", "BR-13", "total without VAT BT-109")
	b110, ok110 := get("TaxTotalAmount", "", "total VAT BT-110")
	b112, ok112 := get("GrandTotalAmount", "BR-14", "total with VAT BT-112")
	b113, _ := get("TotalPrepaidAmount", "", "paid amount BT-113")
	b114, _ := get("RoundingAmount", "", "rounding amount BT-114")
	b115, ok115 := get("DuePayableAmount", "BR-15", "amount due BT-115")
	if ok106 && b106 != sumLines {
		fail("BR-CO-10", fmt.Sprintf("sum of line net amounts BT-106 %s ≠ sum of the lines' BT-131 %s", euros(b106), euros(sumLines)))
	}
	if ok109 && ok106 && b109 != b106-b107+b108 {
		fail("BR-CO-13", fmt.Sprintf("total without VAT BT-109 %s ≠ BT-106 %s − BT-107 %s + BT-108 %s", euros(b109), euros(b106), euros(b107), euros(b108)))
	}
	if ok110 {
		if c := r.one(pSum + "/ram:TaxTotalAmount"); c.attr("currencyID") != "EUR" {
			fail("BR-53", "total VAT BT-110 needs currencyID=\"EUR\"")
		}
		if b110 != sumVAT {
			fail("BR-CO-14", fmt.Sprintf("total VAT BT-110 %s ≠ sum of VAT breakdown amounts BT-117 %s", euros(b110), euros(sumVAT)))
		}
	}
	if ok112 && ok109 && b112 != b109+b110 {
		fail("BR-CO-15", fmt.Sprintf("total with VAT BT-112 %s ≠ BT-109 %s + BT-110 %s", euros(b112), euros(b109), euros(b110)))
	}
	if ok115 && ok112 && b115 != b112-b113+b114 {
		fail("BR-CO-16", fmt.Sprintf("amount due BT-115 %s ≠ BT-112 %s − BT-113 %s + BT-114 %s", euros(b115), euros(b112), euros(b113), euros(b114)))
	}
	if ok115 && b115 > 0 && r.val(pSet+"/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString") == "" &&
		r.val(pSet+"/ram:SpecifiedTradePaymentTerms/ram:Description") == "" {
		fail("BR-CO-25", "amount due BT-115 is positive but neither due date BT-9 nor payment terms BT-20 are given")
	}
	checkDate(r, pSet+"/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString", fail)

	// Payment instructions.
	means := r.all(pSet + "/ram:SpecifiedTradeSettlementPaymentMeans")
	if len(means) == 0 {
		fail("BR-DE-1", "payment instructions BG-16 are missing")
	}
	for _, m := range means {
		code := m.val("ram:TypeCode")
		card := m.one("ram:ApplicableTradeSettlementFinancialCard")
		transfer := m.all("ram:PayeePartyCreditorFinancialAccount")
		switch code {
		case "":
			fail("BR-49", "payment means type code BT-81 is missing")
		case "30", "58":
			if len(transfer) == 0 {
				fail("BR-DE-23-a", "payment means "+code+" needs credit transfer details BG-17")
			}
			if card != nil {
				fail("BR-DE-23-b", "payment means "+code+" must not carry card details BG-18")
			}
			for _, t := range transfer {
				iban := t.val("ram:IBANID")
				if iban == "" && t.val("ram:ProprietaryID") == "" {
					fail("BR-61", "credit transfer without payment account identifier BT-84")
				}
				if code == "58" && !ibanOK(iban) {
					fail("BR-DE-19", "payment account identifier BT-84 "+quote(iban)+" is not a valid IBAN")
				}
			}
		case "48", "54", "55":
			if card == nil {
				fail("BR-DE-24-a", "payment means "+code+" needs card details BG-18")
				break
			}
			if len(transfer) > 0 {
				fail("BR-DE-24-b", "payment means "+code+" must not carry credit transfer details BG-17")
			}
			if pan := card.val("ram:ID"); pan == "" {
				fail("BR-51", "card details BG-18 without the card's last digits BT-87")
			} else if !onlyDigits(pan) || len(pan) < 4 || len(pan) > 6 {
				fail("BR-51", "payment card number BT-87 must be the last 4 to 6 digits only, never the full number")
			}
		}
	}
	return out
}

// amount reads a monetary amount at path: it must be a number with at most
// two decimals.
func amount(n *node, path, rule, what string, fail func(rule, msg string)) (int64, bool) {
	s := n.val(path)
	if s == "" {
		if rule != "" {
			fail(rule, what+" is missing")
		}
		return 0, false
	}
	v, exact, ok := parseDecimal(s, 2)
	if !ok {
		fail("BR-DEC", what+" "+quote(s)+" is not a decimal number")
		return 0, false
	}
	if !exact {
		fail("BR-DEC", what+" "+s+" has more than two decimals")
	}
	return v, true
}

// checkDate reports a date that is not format 102 (CCYYMMDD) and returns it.
func checkDate(n *node, path string, fail func(rule, msg string)) string {
	x := n.one(path)
	if x == nil {
		return ""
	}
	s := strings.TrimSpace(x.text)
	if x.attr("format") != "102" || len(s) != 8 || !digits(s) || s[4:6] < "01" || s[4:6] > "12" || s[6:] < "01" || s[6:] > "31" {
		fail("CII-DATE", path+": date "+quote(s)+" must be CCYYMMDD with format=\"102\"")
		return ""
	}
	return s
}

func checkURI(r *node, party, bt, who string, fail func(rule, msg string)) {
	u := r.one(party + "/ram:URIUniversalCommunication/ram:URIID")
	if u == nil || strings.TrimSpace(u.text) == "" {
		fail(bt, who+" electronic address "+bt+" is missing (mandatory in XRechnung 3.0)")
		return
	}
	if u.attr("schemeID") == "" {
		fail("BR-62", who+" electronic address "+bt+" has no scheme identifier")
	}
	if u.attr("schemeID") == "EM" && !emailOK(u.text) {
		fail(bt, who+" electronic address "+bt+" "+quote(strings.TrimSpace(u.text))+" is not a valid e-mail address")
	}
}

// taxKey groups lines and breakdowns: category S per rate, category O
// as one (its lines carry no rate).
func taxKey(cat, rt string) string {
	if cat == "O" {
		return "O"
	}
	return cat + "|" + normRate(rt)
}

// buyerVATID reports whether the buyer carries a VAT identifier BT-48.
func buyerVATID(r *node) bool {
	for _, reg := range r.all(pBuyer + "/ram:SpecifiedTaxRegistration/ram:ID") {
		if reg.attr("schemeID") == "VA" {
			return true
		}
	}
	return false
}

func normRate(s string) string {
	if v, _, ok := parseDecimal(s, 2); ok {
		return rate(int(v))
	}
	return s
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// xrTypeCodes are the type codes XRechnung recommends (BR-DE-17);
// en16931TypeCodes all that EN 16931 allows (BR-CL-01).
var (
	xrTypeCodes      = set("326 380 384 389 381 875 876 877")
	en16931TypeCodes = set("71 80 81 82 84 102 218 219 261 262 295 296 308 325 326 331 380 381 382 383 384 385 386 387 388 " +
		"389 390 393 394 395 396 420 456 457 458 527 532 553 575 623 633 751 780 875 876 877 935")
)

func set(list string) map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Fields(list) {
		m[s] = true
	}
	return m
}
