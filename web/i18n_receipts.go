package web

// Texts of recording payments received outside the card gateway on the
// contract page (web/receipts.go, templates/_receipts.html).
func init() {
	addMessages("de", map[string]string{
		"rc.title": "Zahlungseingänge (bar, EC-Terminal, Überweisung)", "rc.record": "Zahlung erfassen",
		"rc.open_hint": "Offen: %s €. Erfassen Sie hier Geld, das nicht über die Karte eingegangen ist.",
		"rc.method":    "Zahlungsart", "rc.method.cash": "Bar", "rc.method.terminal": "EC-/Kartenterminal", "rc.method.transfer": "Überweisung",
		"rc.amount": "Betrag (EUR)", "rc.reference": "Referenz", "rc.reference_label": "Referenz (Belegnummer des Terminals, Bankreferenz; bei bar optional)",
		"rc.received_on": "Eingegangen am", "rc.save": "Zahlung erfassen", "rc.reversal": "Storno", "rc.reverse": "Stornieren",
		"rc.reason": "Grund des Stornos", "rc.reversed": "storniert",
		"ct.done.receipt":          "Die Zahlung wurde erfasst; ein Rest ist noch offen.",
		"ct.done.receipt_settled":  "Die Zahlung wurde erfasst; der Vertrag ist bezahlt.",
		"ct.done.receipt_reversed": "Die Zahlung wurde storniert; der Betrag ist wieder offen.",
	})
	addMessages("en", map[string]string{
		"rc.title": "Payments received (cash, card terminal, bank transfer)", "rc.record": "Record payment",
		"rc.open_hint": "Open: %s €. Record money here that did not come in through the card gateway.",
		"rc.method":    "Method", "rc.method.cash": "Cash", "rc.method.terminal": "Card terminal", "rc.method.transfer": "Bank transfer",
		"rc.amount": "Amount (EUR)", "rc.reference": "Reference", "rc.reference_label": "Reference (terminal slip number, bank reference; optional for cash)",
		"rc.received_on": "Received on", "rc.save": "Record payment", "rc.reversal": "Reversal", "rc.reverse": "Reverse",
		"rc.reason": "Reason for the reversal", "rc.reversed": "reversed",
		"ct.done.receipt":          "The payment was recorded; some money is still open.",
		"ct.done.receipt_settled":  "The payment was recorded; the contract is paid.",
		"ct.done.receipt_reversed": "The payment was reversed; the amount is open again.",
	})
	addDomainDE(map[string]string{
		"choose cash, card terminal or bank transfer":                                    "Wählen Sie bar, EC-/Kartenterminal oder Überweisung.",
		"enter the slip number of the card terminal receipt":                             "Geben Sie die Belegnummer vom Beleg des Kartenterminals ein.",
		"enter the bank reference of the transfer":                                       "Geben Sie die Bankreferenz (Verwendungszweck) der Überweisung ein.",
		"the reference can have at most 200 characters":                                  "Die Referenz darf höchstens 200 Zeichen lang sein.",
		"enter the day the money was received as YYYY-MM-DD":                             "Geben Sie den Tag des Zahlungseingangs an.",
		"the day the money was received cannot be in the future":                         "Der Tag des Zahlungseingangs darf nicht in der Zukunft liegen.",
		"enter the amount in euros, e.g. 49,00":                                          "Geben Sie den Betrag in Euro ein, z. B. 49,00.",
		"say why the payment is reversed, e.g. entered twice":                            "Geben Sie an, warum die Zahlung storniert wird, z. B. doppelt erfasst.",
		"the reason can have at most 500 characters":                                     "Der Grund darf höchstens 500 Zeichen lang sein.",
		"this payment has already been reversed":                                         "Diese Zahlung wurde bereits storniert.",
		"this contract is not billed yet; payments are recorded after the final invoice": "Dieser Vertrag ist noch nicht abgerechnet; Zahlungen werden nach der Schlussrechnung erfasst.",
		"another payment came in meanwhile: the amount is more than is open now; check the open amount and enter the payment again":                             "Inzwischen ist eine andere Zahlung eingegangen: der Betrag ist höher als jetzt offen. Prüfen Sie den offenen Betrag und erfassen Sie die Zahlung erneut.",
		"a card payment of this rental is still being processed; reload the page in a moment and check what is open":                                            "Eine Kartenzahlung dieser Miete wird gerade verarbeitet; laden Sie die Seite gleich neu und prüfen Sie, was offen ist.",
		"a card payment of this rental was made meanwhile; check the open amount and enter the payment again":                                                   "Inzwischen wurde eine Kartenzahlung dieser Miete gebucht; prüfen Sie den offenen Betrag und erfassen Sie die Zahlung erneut.",
		"a payment at the counter came in while the card was charged; what was paid twice has been refunded to the card":                                        "Während die Karte belastet wurde, ist eine Zahlung am Schalter erfasst worden; der doppelt gezahlte Betrag wurde auf die Karte erstattet.",
		"a payment at the counter came in while the card was charged, and refunding the card failed: the contract shows what was paid twice; refund it by hand": "Während die Karte belastet wurde, ist eine Zahlung am Schalter erfasst worden, und die Erstattung auf die Karte ist fehlgeschlagen: der Vertrag zeigt den doppelt gezahlten Betrag; bitte von Hand erstatten.",
	})
}
