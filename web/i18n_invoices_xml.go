package web

// Texts of the e-invoice download (invoices_xml.go).
func init() {
	addMessages("de", map[string]string{
		"xml.download":           "XRechnung (XML)",
		"xml.err.invalid":        "Die E-Rechnung (XRechnung) kann für diese Rechnung nicht erstellt werden.",
		"xml.err.tenant.phone":   "Für die E-Rechnung fehlt die Telefonnummer des Unternehmens. Bitte unter Einstellungen ergänzen.",
		"xml.err.tenant.email":   "Für die E-Rechnung fehlt eine gültige E-Mail-Adresse des Unternehmens. Bitte unter Einstellungen ergänzen.",
		"xml.err.tenant.iban":    "Für die E-Rechnung mit offenem Betrag fehlt eine gültige IBAN des Unternehmens. Bitte unter Einstellungen ergänzen.",
		"xml.err.customer.email": "Für die E-Rechnung fehlt eine gültige E-Mail-Adresse des Kunden. Bitte beim Kunden ergänzen.",
	})
	addMessages("en", map[string]string{
		"xml.download":           "XRechnung (XML)",
		"xml.err.invalid":        "The e-invoice (XRechnung) cannot be created for this invoice.",
		"xml.err.tenant.phone":   "The e-invoice needs the company's phone number. Please add it under Settings.",
		"xml.err.tenant.email":   "The e-invoice needs a valid company e-mail address. Please add it under Settings.",
		"xml.err.tenant.iban":    "An e-invoice with an amount due needs a valid company IBAN. Please add it under Settings.",
		"xml.err.customer.email": "The e-invoice needs a valid customer e-mail address. Please add it to the customer.",
	})
}
