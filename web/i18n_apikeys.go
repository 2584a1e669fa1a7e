package web

func init() {
	addMessages("de", map[string]string{
		"key.scope":        "Art",
		"key.scope.public": "Öffentlich (Website)",
		"key.scope.secret": "Geheim (Server)",
		"key.scope.staff":  "Personal (Tablet-App)",
		"key.scope_hint.public": "für den Browser, z. B. das Buchungsformular der Website: Stationen, Fahrzeuggruppen, Verfügbarkeit, Buchen; " +
			"eine Buchung lesen, ändern oder stornieren nur mit deren Buchungsgeheimnis, das nur der Buchende erhält.",
		"key.scope_hint.secret": "nur für den Server des Autohauses, nie im Browser: alle Buchungsvorgänge.",
		"key.scope_hint.staff":  "für Tablet-Apps des Personals: Übergabe und Rücknahme, Schadensbeträge bis zum Höchstbetrag in den Einstellungen.",
	})
	addMessages("en", map[string]string{
		"key.scope":        "Kind",
		"key.scope.public": "Public (website)",
		"key.scope.secret": "Secret (server)",
		"key.scope.staff":  "Staff (tablet app)",
		"key.scope_hint.public": "for the browser, e.g. the website's booking form: stations, vehicle categories, availability, booking; " +
			"reading, changing or cancelling a booking only with its booking secret, which only whoever booked receives.",
		"key.scope_hint.secret": "only for the dealership's server, never in a browser: every booking operation.",
		"key.scope_hint.staff":  "for the staff's tablet apps: handover and return, damage charges up to the limit in the settings.",
	})
	addDomainDE(map[string]string{
		"choose public, secret or staff": "Bitte die Art des Schlüssels wählen: öffentlich, geheim oder Personal.",
	})
}
