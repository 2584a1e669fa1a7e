package web

func init() {
	addMessages("de", map[string]string{
		"cust.changes":            "Änderungen der Kundendaten",
		"res.billed_to":           "Gebucht auf (Rechnungen)",
		"cust.no_changes":         "Noch keine Änderungen.",
		"cust.changed_by_booking": "Daten geändert durch Buchung %s",
		"cust.changed_by":         "Geändert von %s",
		"cust.edit_hint": "Eine korrigierte Anschrift oder ein korrigierter Name gilt auch für die bestätigten und laufenden Buchungen " +
			"dieses Kunden; ausgestellte Rechnungen bleiben, wie sie sind. Eine Online-Buchung ändert die Kundendaten erst, wenn sie bezahlt ist.",
		"cust.field.email": "E-Mail", "cust.field.company": "Firma", "cust.field.first_name": "Vorname", "cust.field.last_name": "Nachname",
		"cust.field.street": "Straße", "cust.field.postal_code": "PLZ", "cust.field.city": "Ort", "cust.field.country": "Land",
		"cust.field.phone": "Telefon", "cust.field.birth_date": "Geburtsdatum", "cust.field.language": "Sprache",
		"cust.field.vat_id": "USt-IdNr.", "cust.field.licence_number": "Führerscheinnummer", "cust.field.licence_class": "Führerscheinklasse",
		"cust.field.licence_issued_on": "Führerschein ausgestellt am", "cust.field.licence_country": "Ausstellungsland",
	})
	addMessages("en", map[string]string{
		"cust.changes":            "Changes to the customer's data",
		"res.billed_to":           "Booked as (invoices)",
		"cust.no_changes":         "No changes yet.",
		"cust.changed_by_booking": "Data changed by booking %s",
		"cust.changed_by":         "Changed by %s",
		"cust.edit_hint": "A corrected address or name applies to this customer's confirmed and running bookings too; issued invoices " +
			"stay as they are. An online booking changes the customer's data only once it is paid.",
		"cust.field.email": "E-mail", "cust.field.company": "Company", "cust.field.first_name": "First name", "cust.field.last_name": "Last name",
		"cust.field.street": "Street", "cust.field.postal_code": "Postal code", "cust.field.city": "Town", "cust.field.country": "Country",
		"cust.field.phone": "Phone", "cust.field.birth_date": "Date of birth", "cust.field.language": "Language",
		"cust.field.vat_id": "VAT ID", "cust.field.licence_number": "Licence number", "cust.field.licence_class": "Licence class",
		"cust.field.licence_issued_on": "Licence issued on", "cust.field.licence_country": "Issuing country",
	})
}
