package web

// Texts of the damage diagram on the handover and return forms.
func init() {
	addMessages("de", map[string]string{
		"pd.summary":            "Schäden: %d vorhanden · neuen Schaden erfassen",
		"pd.legend":             "Schäden",
		"pd.hint":               "Tippen Sie auf die Stelle am Fahrzeug, um einen neuen Schaden zu erfassen. Nummerierte Punkte sind vorhandene Schäden.",
		"pd.none":               "Keine neuen Schäden erfasst.",
		"pd.new_n":              "Neuer Schaden",
		"pd.remove":             "Entfernen",
		"pd.photos":             "Fotos (optional)",
		"pd.photos_hint":        "JPEG, PNG oder WebP, je höchstens 10 MB, bis zu 4 Fotos pro Schaden und 12 pro Formular.",
		"pd.since":              "seit Übergabe",
		"ct.done.photos_failed": "Gespeichert, aber die Schadenfotos konnten nicht gespeichert werden. Bitte auf der Fahrzeugseite erneut hochladen.",
	})
	addMessages("en", map[string]string{
		"pd.summary":            "Damages: %d on record · record a new damage",
		"pd.legend":             "Damages",
		"pd.hint":               "Tap the spot on the car to record a new damage. Numbered dots are existing damages.",
		"pd.none":               "No new damages recorded.",
		"pd.new_n":              "New damage",
		"pd.remove":             "Remove",
		"pd.photos":             "Photos (optional)",
		"pd.photos_hint":        "JPEG, PNG or WebP, at most 10 MB each, up to 4 photos per damage and 12 per form.",
		"pd.since":              "since handover",
		"ct.done.photos_failed": "Saved, but the damage photos could not be stored. Please upload them again on the vehicle page.",
	})
	addDomainDE(map[string]string{
		"record at most 20 new damages at once":                                     "Erfassen Sie höchstens 20 neue Schäden auf einmal.",
		"upload at most 4 photos per damage":                                        "Laden Sie höchstens 4 Fotos pro Schaden hoch.",
		"upload at most 12 photos at once; add more on the vehicle page afterwards": "Laden Sie höchstens 12 Fotos auf einmal hoch; weitere danach auf der Fahrzeugseite.",
		"at most 100,000.00 EUR per damage":                                         "Höchstens 100.000,00 € pro Schaden.",
	})
}
