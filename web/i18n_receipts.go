package web

// Texts of recording payments received outside the card gateway on the
// contract page (web/receipts.go, templates/_receipts.html).
func init() {
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
		"choose the till of the contract's pickup or return station you work at":                                                                                "Wählen Sie die Kasse der Abhol- oder Rückgabestation des Vertrags, an der Sie arbeiten.",
		"nothing has been paid too much on this contract":                                                                                                       "Auf diesem Vertrag ist nichts zu viel gezahlt.",
		"enter the slip number or bank reference of the refund":                                                                                                 "Geben Sie die Belegnummer oder Bankreferenz der Erstattung ein.",
		"choose the card, cash, card terminal or bank transfer":                                                                                                 "Wählen Sie Karte, bar, EC-/Kartenterminal oder Überweisung.",
		"the credit note was issued, but its payout could not be recorded: record the payout below":                                                             "Die Gutschrift wurde ausgestellt, ihre Auszahlung aber nicht erfasst: bitte unten die Auszahlung erfassen.",
		"money was paid out or taken back meanwhile: the amount is more than was paid too much now; check the contract and enter the payout again":              "Inzwischen wurde Geld ausgezahlt oder zurückgebucht: der Betrag ist höher als jetzt zu viel gezahlt. Prüfen Sie den Vertrag und erfassen Sie die Auszahlung erneut.",
		"a card payment of this rental is still being processed; reload the page in a moment and check what is open":                                            "Eine Kartenzahlung dieser Miete wird gerade verarbeitet; laden Sie die Seite gleich neu und prüfen Sie, was offen ist.",
		"a card payment of this rental was made meanwhile; check the open amount and enter the payment again":                                                   "Inzwischen wurde eine Kartenzahlung dieser Miete gebucht; prüfen Sie den offenen Betrag und erfassen Sie die Zahlung erneut.",
		"a payment at the counter came in while the card was charged; what was paid twice has been refunded to the card":                                        "Während die Karte belastet wurde, ist eine Zahlung am Schalter erfasst worden; der doppelt gezahlte Betrag wurde auf die Karte erstattet.",
		"a payment at the counter came in while the card was charged, and refunding the card failed: the contract shows what was paid twice; refund it by hand": "Während die Karte belastet wurde, ist eine Zahlung am Schalter erfasst worden, und die Erstattung auf die Karte ist fehlgeschlagen: der Vertrag zeigt den doppelt gezahlten Betrag; bitte von Hand erstatten.",
	})
}
