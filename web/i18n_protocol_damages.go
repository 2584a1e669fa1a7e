package web

// Texts of the damage diagram on the handover and return forms.
func init() {
	addDomainDE(map[string]string{
		"record at most 20 new damages at once":                                     "Erfassen Sie höchstens 20 neue Schäden auf einmal.",
		"upload at most 4 photos per damage":                                        "Laden Sie höchstens 4 Fotos pro Schaden hoch.",
		"upload at most 12 photos at once; add more on the vehicle page afterwards": "Laden Sie höchstens 12 Fotos auf einmal hoch; weitere danach auf der Fahrzeugseite.",
		"at most 100,000.00 EUR per damage":                                         "Höchstens 100.000,00 € pro Schaden.",
	})
}
