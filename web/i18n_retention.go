package web

// Texts of the erasure/retention state on the customer page.
func init() {
	addMessages("de", map[string]string{
		"ret.erase_on":      "Endgültige Löschung der gesperrten Daten (Rechnungen, Name, Anschrift, E-Mails): automatisch nach dem %s.",
		"ret.purged":        "Die gesperrten Daten wurden nach Ablauf der Aufbewahrungsfrist endgültig gelöscht (%s).",
		"ret.cards_pending": "Löschung der gespeicherten Karte(n) beim Zahlungsanbieter ausstehend: %d (wird stündlich erneut versucht).",
		"ret.cards_error":   "Letzte Antwort des Zahlungsanbieters: %s",
		"ret.cards_done":    "Gespeicherte Karte(n) beim Zahlungsanbieter gelöscht: %d.",
	})
	addMessages("en", map[string]string{
		"ret.erase_on":      "Final deletion of the blocked data (invoices, name, address, e-mails): automatically after %s.",
		"ret.purged":        "The blocked data was deleted finally after the retention period ended (%s).",
		"ret.cards_pending": "Deletion of stored card(s) at the payment gateway outstanding: %d (retried every hour).",
		"ret.cards_error":   "Last answer of the payment gateway: %s",
		"ret.cards_done":    "Stored card(s) deleted at the payment gateway: %d.",
	})
}
