package web

func init() {
	addMessages("de", map[string]string{
		"bk.period":       "Zeitraum ändern",
		"bk.period_hint":  "Verfügbarkeit wird neu geprüft und neu berechnet; eine Differenz wird von der hinterlegten Karte abgebucht oder mit Gutschrift erstattet.",
		"bk.err_datetime": "Bitte Datum und Uhrzeit angeben.",
		"bk.done.period":  "Der Zeitraum wurde geändert und neu berechnet.",
	})
	addMessages("en", map[string]string{
		"bk.period":       "Change period",
		"bk.period_hint":  "Availability is re-checked and the price recalculated; a difference is charged to the stored card or refunded with a credit note.",
		"bk.err_datetime": "Enter date and time.",
		"bk.done.period":  "The period was changed and re-priced.",
	})
}
