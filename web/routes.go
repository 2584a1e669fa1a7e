package web

import (
	"net/http"

	"mietwerk.dev/mietwerk/httpx"
)

// routes wires every page. Public routes need no session; the others go
// through requireSession, which also checks the CSRF token of every
// state-changing request. checkCSRF refuses cross-origin state changes
// before routing.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	public := func(pattern string, h handler) { mux.Handle(pattern, a.handle(h)) }
	private := func(pattern string, h handler) { mux.Handle(pattern, a.requireSession(a.handle(h))) }

	mux.Handle("GET /admin/static/", staticHandler())
	public("GET /admin", func(w http.ResponseWriter, r *http.Request) error {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
		return nil
	})
	public("GET /admin/login", a.loginPage)
	public("POST /admin/login", a.loginSubmit)
	public("GET /admin/lang", a.setLanguage)
	private("POST /admin/lang", a.setLanguage)
	private("POST /admin/logout", a.logout)

	private("GET /admin/{$}", a.dashboard)

	private("GET /admin/stations", a.stationList)
	private("GET /admin/stations/new", a.stationNew)
	private("POST /admin/stations", a.stationCreate)
	private("GET /admin/stations/exception-row", a.stationExceptionRow)
	private("GET /admin/stations/{id}", a.stationEdit)
	private("POST /admin/stations/{id}", a.stationUpdate)

	private("GET /admin/users", a.admin(a.userList))
	private("GET /admin/users/new", a.admin(a.userNew))
	private("POST /admin/users", a.admin(a.userCreate))
	private("GET /admin/users/{id}", a.admin(a.userEdit))
	private("POST /admin/users/{id}", a.admin(a.userUpdate))
	private("POST /admin/users/{id}/password", a.admin(a.userSetPassword))
	private("POST /admin/users/{id}/disable", a.admin(a.userDisable))
	private("POST /admin/users/{id}/enable", a.admin(a.userEnable))

	private("GET /admin/api-keys", a.admin(a.apiKeyList))
	private("POST /admin/api-keys", a.admin(a.apiKeyCreate))
	private("GET /admin/api-keys/{id}/revoke", a.admin(a.apiKeyRevokeConfirm))
	private("POST /admin/api-keys/{id}/revoke", a.admin(a.apiKeyRevoke))
	if a.TestData != nil {
		private("GET /admin/test-data/wipe", a.admin(a.testDataConfirm))
		private("POST /admin/test-data/wipe", a.admin(a.testDataWipe))
	}

	// fleet: wires the fleet pages: vehicles with blocking periods,
	// condition history and damages (with photos), tariffs and categories.
	private("GET /admin/vehicles", a.vehicleList)
	private("GET /admin/vehicles/new", a.vehicleNew)
	private("POST /admin/vehicles", a.vehicleCreate)
	private("GET /admin/vehicles/{id}", a.vehiclePage)
	private("GET /admin/vehicles/{id}/history", a.vehicleHistory)
	private("GET /admin/fines", a.finesSearch)
	private("GET /admin/fines/cases", a.finesList)
	private("GET /admin/fines/new", a.fineNew)
	private("POST /admin/fines/new", a.fineCreate)
	private("GET /admin/fines/{id}", a.finePage)
	private("GET /admin/fines/{id}/{doc}", a.fineDocument)
	private("POST /admin/fines/{id}/answer", a.fineAnswer)
	private("POST /admin/fines/{id}/send", a.fineSendLetter)
	private("POST /admin/fines/{id}/fee", a.fineFee)
	private("GET /admin/vehicles/{id}/history.csv", a.vehicleHistoryCSV)
	private("POST /admin/vehicles/{id}", a.vehicleUpdate)
	private("POST /admin/vehicles/{id}/ready", a.vehicleReady)
	private("POST /admin/vehicles/{id}/blocks", a.blockAdd)
	private("POST /admin/vehicles/{id}/blocks/{aid}/delete", a.blockDelete)
	private("POST /admin/vehicles/{id}/damages", a.damageCreate)
	private("POST /admin/vehicles/{id}/damages/{did}/photos", a.damagePhotosAdd)
	private("POST /admin/vehicles/{id}/damages/{did}/repaired", a.damageRepaired)
	private("GET /admin/vehicles/{id}/damages/{did}/photos/{pid}", a.damagePhoto(false))
	private("GET /admin/vehicles/{id}/damages/{did}/photos/{pid}/thumb", a.damagePhoto(true))

	private("GET /admin/tariffs", a.tariffList)
	private("GET /admin/tariffs/new", a.admin(a.tariffNew))
	private("POST /admin/tariffs", a.admin(a.tariffCreate))
	private("GET /admin/tariffs/{id}", a.tariffEdit)
	private("POST /admin/tariffs/{id}", a.admin(a.tariffUpdate))
	private("GET /admin/payers", a.admin(a.payerList))
	private("GET /admin/payers/new", a.admin(a.payerNew))
	private("POST /admin/payers", a.admin(a.payerCreate))
	private("GET /admin/payers/{id}", a.admin(a.payerEdit))
	private("GET /admin/payers/{id}/collective", a.admin(a.collectivePage))
	private("POST /admin/payers/{id}/collective", a.admin(a.collectiveIssue))
	private("POST /admin/payers/{id}", a.admin(a.payerUpdate))

	private("GET /admin/categories", a.admin(a.categoryList))
	private("GET /admin/categories/new", a.admin(a.categoryNew))
	private("POST /admin/categories", a.admin(a.categoryCreate))
	private("GET /admin/categories/{id}", a.admin(a.categoryEdit))
	private("POST /admin/categories/{id}", a.admin(a.categoryUpdate))

	// settings: wires the tenant settings page (admins only).
	private("GET /admin/settings", a.admin(a.settingsPage))
	private("POST /admin/settings", a.admin(a.settingsSave))
	private("GET /admin/settings/logo.png", a.settingsLogo)

	// e-mails: wires the "E-Mails" pages: the outbox list, one message with
	// its attempts, its HTML body (for a sandboxed iframe), attachment
	// downloads and resending. Station users see the messages of their
	// stations only (the store scopes every call); others are 404.
	private("GET /admin/emails", a.withMail(a.emailList))
	private("GET /admin/emails/{id}", a.withMail(a.emailDetail))
	private("GET /admin/emails/{id}/html", a.withMail(a.emailHTML))
	private("GET /admin/emails/{id}/attachments/{n}", a.withMail(a.emailAttachment))
	private("POST /admin/emails/{id}/resend", a.withMail(a.emailResend))

	// bookings: mounts the reservation, planning board and customer pages.
	// Without Deps.Bookings they are not mounted (the 404 page answers).
	if a.Bookings != nil {
		private("GET /admin/reservations", a.reservationList)
		if a.Contracts != nil && a.ContractData != nil {
			private("GET /admin/reservations/new", a.reservationNewForm)
			private("POST /admin/reservations/new", a.reservationNewCreate)
			private("GET /admin/reservations/new/quote", a.reservationNewQuote)
		}
		private("GET /admin/reservations/{id}", a.reservationPage)
		private("POST /admin/reservations/{id}/notes", a.reservationNotes)
		private("POST /admin/reservations/{id}/workshop-ref", a.reservationWorkshopRef)
		private("GET /admin/reservations/{id}/cover", a.coverPage)
		private("POST /admin/reservations/{id}/cover", a.coverSave)
		private("GET /admin/contracts/{id}/resplit", a.resplitPage)
		private("POST /admin/contracts/{id}/resplit", a.resplitSave)
		private("GET /admin/reservations/{id}/assignment", a.assignmentPage)
		private("POST /admin/reservations/{id}/assignment", a.assignmentSign)
		private("GET /admin/reservations/{id}/assignment.pdf", a.assignmentPDF)
		private("POST /admin/reservations/{id}/vehicle", a.reservationAssign)
		private("POST /admin/reservations/{id}/cancel", a.reservationCancel)
		private("POST /admin/reservations/{id}/period", a.reservationPeriod)
		private("GET /admin/reservations/{id}/documents/{doc}", a.reservationDocument)

		private("GET /admin/planning", a.planningPage)
		private("GET /admin/planning/board", a.planningBoard)
		private("POST /admin/planning/move", a.planningMove)

		private("GET /admin/customers", a.customerList)
		private("GET /admin/customers/{id}", a.customerPage)
		private("POST /admin/customers/{id}", a.customerUpdate)
		private("GET /admin/customers/{id}/export.json", a.customerExport)
		private("GET /admin/customers/{id}/erase", a.admin(a.customerEraseConfirm))
		private("POST /admin/customers/{id}/erase", a.admin(a.customerErase))
	}

	// contracts: mounts the contract, handover, return and report pages.
	// Without Deps.Contracts they are not mounted (the 404 page answers).
	if a.Contracts != nil && a.ContractData != nil {
		private("GET /admin/contracts", a.contractList)
		private("GET /admin/contracts/new", a.walkInForm)
		private("POST /admin/contracts/new", a.walkInCreate)
		private("GET /admin/uses/new", a.useForm)
		private("POST /admin/uses/new", a.useCreate)
		private("GET /admin/contracts/{id}", a.contractPage)
		private("POST /admin/contracts/{id}/drivers", a.contractDrivers)
		private("POST /admin/contracts/{id}/period", a.contractPeriod)
		private("POST /admin/contracts/{id}/tariff", a.contractTariff)
		private("POST /admin/contracts/{id}/notes", a.contractNotes)
		private("POST /admin/contracts/{id}/workshop-ref", a.contractWorkshopRef)
		private("POST /admin/contracts/{id}/send", a.contractSend)
		private("POST /admin/contracts/{id}/charge", a.contractCharge)
		private("POST /admin/contracts/{id}/refund", a.contractRefund)
		private("POST /admin/contracts/{id}/retry", a.contractRetry)
		private("POST /admin/contracts/{id}/bill", a.contractBill)
		private("GET /admin/contracts/{id}/documents/{doc}", a.contractDocument)
		private("GET /admin/contracts/{id}/return", a.returnForm)
		private("POST /admin/contracts/{id}/return", a.returnSubmit)
		private("GET /admin/reservations/{id}/handover", a.handoverForm)
		private("POST /admin/reservations/{id}/handover", a.handoverSubmit)
		private("GET /admin/reports", a.reportsPage)
		private("GET /admin/reports/{name}", a.reportCSV)
	}

	// dealer plates: the red plates (admins edit them), their monthly trip
	// logs as a page and a PDF.
	if a.platesMounted() {
		private("GET /admin/dealer-plates", a.plateList)
		private("POST /admin/dealer-plates", a.admin(a.plateCreate))
		private("GET /admin/dealer-plates/{id}", a.admin(a.plateEdit))
		private("POST /admin/dealer-plates/{id}", a.admin(a.plateUpdate))
		private("GET /admin/dealer-plates/{id}/log", a.tripLog)
		private("GET /admin/dealer-plates/{id}/log.pdf", a.tripLogPDF)
	}

	// receipts: mounts recording and reversing payments received outside
	// the card gateway (cash, card terminal, bank transfer) on the contract page.
	if a.Contracts != nil && a.ContractData != nil {
		private("POST /admin/contracts/{id}/receipts", a.receiptRecord)
		private("POST /admin/contracts/{id}/receipts/{rid}/reverse", a.receiptReverse)
		private("POST /admin/contracts/{id}/payouts", a.payoutRecord)
		private("POST /admin/contracts/{id}/payer-invoices/{inv}/send", a.payerInvoiceSend)
		private("POST /admin/contracts/{id}/payer-payments", a.payerPaymentRecord)
		private("GET /admin/payer-open-items", a.payerOpenItems)
		private("GET /admin/payer-open-items.csv", a.payerOpenItemsCSV)
		private("GET /admin/dunning", a.admin(a.dunningPage))
		private("POST /admin/dunning/run", a.admin(a.dunningRun))
		private("POST /admin/dunning/blocks", a.admin(a.dunningBlock))
		private("POST /admin/dunning/blocks/{id}/lift", a.admin(a.dunningLift))
		private("POST /admin/dunning/settings", a.admin(a.dunningSettings))
		private("GET /admin/dunning/notices/{id}/pdf", a.admin(a.dunningPDF))
		private("POST /admin/contracts/{id}/payer-payments/{pid}/reverse", a.payerPaymentReverse)
	}

	// XRechnung: mounts the XRechnung download of issued invoices. It is
	// mounted only when the booking backend can read issued invoices.
	if _, ok := a.Bookings.(invoiceXMLSource); ok && a.Bookings != nil && a.EInvoicer != nil {
		private("GET /admin/invoices/{id}/xrechnung", a.invoiceXML)
	}

	// attention: wires the staff actions on a record (administrators).
	private("POST /admin/attention/{id}/retry", a.admin(a.attentionAction(true)))
	private("POST /admin/attention/{id}/dismiss", a.admin(a.attentionAction(false)))

	// webhooks: mounts the webhook pages (administrators; 404 without
	// Deps.Webhooks).
	if a.Webhooks != nil {
		private("GET /admin/webhooks", a.admin(a.webhookList))
		private("POST /admin/webhooks", a.admin(a.webhookCreate))
		private("GET /admin/webhooks/{id}", a.admin(a.webhookPage))
		private("POST /admin/webhooks/{id}", a.admin(a.webhookUpdate))
		private("POST /admin/webhooks/{id}/enable", a.admin(a.webhookSetEnabled(true)))
		private("POST /admin/webhooks/{id}/disable", a.admin(a.webhookSetEnabled(false)))
		private("GET /admin/webhooks/{id}/delete", a.admin(a.webhookDeleteConfirm))
		private("POST /admin/webhooks/{id}/delete", a.admin(a.webhookDelete))
		private("GET /admin/webhook-deliveries/{id}", a.admin(a.webhookDelivery))
		private("POST /admin/webhook-deliveries/{id}/resend", a.admin(a.webhookResend))
	}
	// search: the header's search box (web/search.go); without
	// Deps.Search there is no box and no page.
	if a.Search != nil {
		private("GET /admin/search", a.searchPage)
	}
	// print layouts (web/print.go) and the rental terms they carry
	// (web/rental_terms.go)
	if a.Bookings != nil {
		private("GET /admin/reservations/day-list", a.dayListPrint)
		private("GET /admin/reservations/{id}/print", a.reservationPrint)
	}
	if a.Contracts != nil && a.ContractData != nil {
		private("GET /admin/contracts/{id}/print", a.contractPrint)
	}
	if a.RentalTerms != nil {
		private("GET /admin/settings/terms", a.admin(a.rentalTermsPage))
		private("POST /admin/settings/terms", a.admin(a.rentalTermsSave))
	}
	private("GET /admin/invoices", a.invoiceList)
	private("GET /admin/invoices/export.csv", a.invoiceCSV)
	private("GET /admin/invoices/export.zip", a.invoiceZIP)
	private("GET /admin/invoices/{id}/pdf", a.invoicePDF)

	// Anything else under /admin/ is a 404 page (with the layout when signed in).
	private("/admin/", func(w http.ResponseWriter, r *http.Request) error { return errNotFound })

	h := httpx.RecordRoute(mux) // metrics and the access log by this mux's patterns
	h = a.refuseControlChars(h)
	h = a.checkCSRF(h)
	h = a.baseContext(h)
	h = a.recoverPanics(h)
	h = securityHeaders(h)
	return h
}
