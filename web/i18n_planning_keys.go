package web

// Texts of the planning board's keyboard moves (planning.js reads the ones
// with %s from data attributes and fills them in order) and of the menu
// button that shows the navigation on tablets.
func init() {
	addMessages("de", map[string]string{
		"nav.toggle": "Menü",
		"bk.plan.keys.help": "Ohne Maus: Mit Tab eine Reservierung wählen und mit der Leertaste aufnehmen. " +
			"Pfeil hoch/runter wählt das Fahrzeug, Pfeil links/rechts verschiebt um einen Tag (in der Stundenansicht um eine Stunde). " +
			"Eingabetaste speichert, Escape bricht ab. Solange eine Reservierung aufgenommen ist, pausiert die Aktualisierung. " +
			"Die Eingabetaste auf einer nicht aufgenommenen Reservierung öffnet sie.",
		"bk.plan.keys.bar":          "Leertaste: verschieben. Eingabetaste: öffnen.",
		"bk.plan.keys.picked":       "%s aufgenommen: %s. Pfeiltasten wählen Fahrzeug und Zeit, Eingabetaste speichert, Escape bricht ab.",
		"bk.plan.keys.at":           "%s, Abholung %s",
		"bk.plan.keys.unassigned":   "nicht zugewiesen",
		"bk.plan.keys.edge":         "Kein weiteres Fahrzeug in dieser Richtung.",
		"bk.plan.keys.cancelled":    "Verschieben abgebrochen, %s ist unverändert.",
		"bk.plan.keys.unchanged":    "Nichts verschoben, %s ist unverändert.",
		"bk.plan.keys.saving":       "%s wird gespeichert …",
		"bk.plan.keys.need_vehicle": "Bitte zuerst mit Pfeil hoch oder runter ein Fahrzeug wählen.",
		"bk.plan.keys.failed":       "Die Verschiebung konnte nicht gespeichert werden. Bitte erneut versuchen.",
	})
	addMessages("en", map[string]string{
		"nav.toggle": "Menu",
		"bk.plan.keys.help": "Without a mouse: Tab to a reservation and press Space to pick it up. " +
			"Arrow up/down chooses the vehicle, arrow left/right shifts it by one day (one hour in the hours view). " +
			"Enter saves, Escape cancels. While a reservation is picked up the board does not refresh. " +
			"Enter on a reservation that is not picked up opens it.",
		"bk.plan.keys.bar":          "Space: move. Enter: open.",
		"bk.plan.keys.picked":       "%s picked up: %s. Arrow keys choose vehicle and time, Enter saves, Escape cancels.",
		"bk.plan.keys.at":           "%s, pickup %s",
		"bk.plan.keys.unassigned":   "unassigned",
		"bk.plan.keys.edge":         "No further vehicle in this direction.",
		"bk.plan.keys.cancelled":    "Move cancelled, %s is unchanged.",
		"bk.plan.keys.unchanged":    "Nothing moved, %s is unchanged.",
		"bk.plan.keys.saving":       "Saving %s …",
		"bk.plan.keys.need_vehicle": "Choose a vehicle with arrow up or down first.",
		"bk.plan.keys.failed":       "The move could not be saved. Please try again.",
	})
}
