// Package xrechnung renders issued invoices and credit notes as e-invoices in
// the UN/CEFACT Cross Industry Invoice syntax (CII D16B) following the German
// CIUS XRechnung 3.0 of EN 16931, and checks such documents against the
// EN 16931 and XRechnung business rules that apply to what Mietwerk issues.
//
// It is an adapter: it imports only domain packages (invoice, document, errs)
// and the standard library.
//
// Decisions (see also README "E-invoices"):
//
//   - Amounts come from invoice.Compute, so the XML totals (BT-106..BT-115,
//     VAT breakdown BG-23) equal the PDF's to the cent. Prices are gross in
//     Mietwerk; EN 16931 lines are net, so each VAT rate's net (split once
//     from the rate's gross sum, as on the PDF) is distributed over its lines:
//     every line gets invoice.Split of its gross, and the cents the per-line
//     rounding lost or gained are put on the largest lines, one cent each.
//     BR-CO-10 and BR-S-08 therefore hold exactly. A line's net price (BT-146)
//     is its net amount divided by its quantity, with up to four decimals.
//   - Lines with a negative amount are written with a negative quantity and
//     a positive price (BR-27: prices are never negative).
//   - Buyer reference BT-10 (mandatory in XRechnung): the customer's order
//     reference when the invoice has one (e.g. an insurer's claim number),
//     else the booking number, else the contract number, else "n/a".
//   - Type code (BT-3): 380 invoice and final invoice, 386 advance-payment
//     invoice, 381 credit note. XRechnung lists 386 only as a "should not"
//     (BR-DE-17 is a warning), which Check reports as a warning.
//   - A credit note refers to the invoice it corrects, a final invoice to the
//     first advance invoice it deducts (BG-3, BT-25/26; CII allows one). Every
//     deducted advance is listed with its net and VAT per rate in a note
//     (BT-22), and their gross sum is the prepaid amount BT-113, so the VAT
//     breakdown is that of the whole service while BT-115 is what is left.
//   - An amount already charged to (or refunded to) the card is prepaid as
//     well: BT-115 is then 0 and the payment means is 48 (bank card) with the
//     last four digits (BT-87). An amount still due is paid by SEPA credit
//     transfer (58) to the tenant's IBAN, with payment terms and a due date.
//   - Seller contact (BG-6, BR-DE-2/5/6/7) is the tenant's legal name, phone
//     and e-mail; the seller's electronic address BT-34 is the tenant e-mail
//     and the buyer's BT-49 the customer e-mail, both with scheme "EM".
//   - Dates are calendar days in the document's time zone, format 102.
//
// Render is deterministic (same input, same bytes) and allocation-light: it
// writes the XML directly, without reflection. Every document Render returns
// has passed Check without errors.
package xrechnung
