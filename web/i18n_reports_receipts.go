package web

// Texts of the reports page's section on payments at the counter
// (web/reports.go, templates/reports.html, receipts.csv).
func init() {
	addMessages("de", map[string]string{
		"rp.cp.title": "Zahlungen am Schalter am %s",
		"rp.cp.hint": "Bar, EC-/Kartenterminal und Überweisung mit diesem Tag des Zahlungseingangs, je Abholstation des Vertrags; " +
			"ein Storno zählt bei der Zahlungsart der stornierten Buchung mit umgekehrtem Vorzeichen.",
		"rp.cp.receipts": "Einnahmen", "rp.cp.payouts": "Auszahlungen", "rp.cp.reversals": "Stornos", "rp.cp.net": "Netto",
		"rp.cp.cash_net": "Bargeld netto (Kasse)", "rp.cp.created": "Erfasst am", "rp.cp.kind": "Art", "rp.cp.amount": "Betrag",
		"rp.cp.created_by": "Erfasst von", "rp.cp.reason": "Grund",
		"rp.cp.kind.receipt": "Zahlungseingang", "rp.cp.kind.payout": "Auszahlung", "rp.cp.kind.reversal": "Storno",
		"rp.cp.none": "Keine Zahlungen am Schalter an diesem Tag.",
	})
	addMessages("en", map[string]string{
		"rp.cp.title": "Counter payments on %s",
		"rp.cp.hint": "Cash, card terminal and bank transfer received on this day, per pickup station of the contract; " +
			"a reversal counts under the method of what it reverses, with the opposite sign.",
		"rp.cp.receipts": "Received", "rp.cp.payouts": "Paid out", "rp.cp.reversals": "Reversals", "rp.cp.net": "Net",
		"rp.cp.cash_net": "Cash net (till)", "rp.cp.created": "Entered at", "rp.cp.kind": "Kind", "rp.cp.amount": "Amount",
		"rp.cp.created_by": "Entered by", "rp.cp.reason": "Reason",
		"rp.cp.kind.receipt": "Receipt", "rp.cp.kind.payout": "Payout", "rp.cp.kind.reversal": "Reversal",
		"rp.cp.none": "No counter payments on this day.",
	})
}
