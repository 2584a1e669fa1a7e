package telecashsim

import "net/http"

// handleSecondary serves POST /payments/{id}: PostAuth, Return, Void and
// VoidPreAuth on the transaction id (ipgTransactionId or merchantTransactionId).
func (s *Simulator) handleSecondary(c *call) { s.secondary(c, c.r.PathValue("id"), false) }

// handleOrderSecondary serves POST /orders/{orderId}: PostAuth and Return
// against an order.
func (s *Simulator) handleOrderSecondary(c *call) { s.secondary(c, c.r.PathValue("id"), true) }

func (s *Simulator) secondary(c *call, id string, byOrder bool) {
	var b reqBody
	if !decode(c, &b) || !s.checkStore(c, b.StoreID) {
		return
	}
	var p problems
	withAmount := false
	switch b.RequestType {
	case "PostAuthTransaction", "ReturnTransaction":
		withAmount = true
	case "VoidTransaction", "VoidPreAuthTransactions":
		if byOrder {
			p.add("requestType", "only PostAuthTransaction and ReturnTransaction are allowed on orders")
		}
	case "":
		p.add("requestType", "may not be null")
	default:
		p.add("requestType", "unsupported request type for this endpoint")
	}
	p.common(&b)
	var cents int64
	var currency string
	if withAmount {
		cents, currency = p.amount(b.TransactionAmount, true)
	}
	if !p.empty() {
		writeJSON(c.w, http.StatusBadRequest, badRequest(c, "", &p).body)
		return
	}
	if cents == AmountSlow && !sleep(c.r, s.opts.SlowDelay) {
		return
	}
	s.mu.Lock()
	a := s.secondaryLocked(c, &b, id, byOrder, cents, currency)
	s.mu.Unlock()
	a.cents = cents
	s.finish(c, a)
}

func (s *Simulator) secondaryLocked(c *call, b *reqBody, id string, byOrder bool, cents int64, currency string) answer {
	trace := s.newTraceID()
	var target *txn
	var o *order
	if byOrder {
		if o = s.orders[id]; o == nil {
			return notFound(c, trace, "Order")
		}
		target = o.targetFor(b.RequestType)
		if target == nil {
			return refuse(c, trace, "-5903", "The order has no transaction this request can refer to")
		}
	} else {
		if target = s.txns[id]; target == nil {
			target = s.byMerch[id]
		}
		if target == nil {
			return notFound(c, trace, "Transaction")
		}
		o = s.orders[target.orderID]
	}
	if b.MerchantTransactionID != "" && s.byMerch[b.MerchantTransactionID] != nil {
		return refuse(c, trace, "-5901", "merchantTransactionId already used")
	}
	if currency != "" && canonicalCurrency(currency) != canonicalCurrency(target.currency) {
		p := problems{}
		p.add("transactionAmount.currency", "must be the currency of the original transaction")
		return badRequest(c, trace, &p)
	}
	if code, msg := checkSecondary(b.RequestType, target, o, cents); code != "" {
		return refuse(c, trace, code, msg)
	}
	if cents == AmountBadGatewayNoCommit || c.fault == FaultBadGateway {
		return badGateway(c, trace)
	}

	// Commit.
	t := &txn{
		ipgID: s.newIpgID(), merchTxID: b.MerchantTransactionID, orderID: o.id, requestType: b.RequestType,
		currency: target.currency, at: s.opts.Now(), parent: target, card: target.card, result: "APPROVED",
		procCode: "00", procMsg: "APPROVED",
	}
	switch b.RequestType {
	case "PostAuthTransaction":
		t.typ, t.state, t.cents = tPostAuth, sCaptured, cents
	case "ReturnTransaction":
		t.typ, t.state, t.cents = tReturn, sCaptured, cents
	case "VoidTransaction":
		t.typ, t.state, t.cents = tVoid, sVoided, target.cents
		target.state = sVoided
	case "VoidPreAuthTransactions":
		authorized, _, _ := o.balance()
		t.typ, t.state, t.cents = tVoid, sVoided, authorized-o.capturedFromPreAuths()
		for _, pa := range o.openPreAuths() {
			pa.state = sVoided
		}
	}
	t.auth = itoa(s.nextID() % 1000000)
	t.approvalCode = "Y:" + t.auth + ":" + t.ipgID + ":PPXM:" + itoa(s.nextID())
	s.addTxn(o, t)
	o.markPreAuths()
	return answer{status: http.StatusOK, body: s.txResp(t, c, trace, true), committed: true}
}

// targetFor picks the transaction an order-level request refers to: the
// first open pre-auth for PostAuth, the first live capture or sale for
// Return.
func (o *order) targetFor(requestType string) *txn {
	for _, t := range o.txns {
		if t.result != "APPROVED" || t.state == sVoided {
			continue
		}
		switch {
		case requestType == "PostAuthTransaction" && t.typ == tPreAuth && t.state == sAuthorized:
			return t
		case requestType == "ReturnTransaction" && (t.typ == tSale || t.typ == tPostAuth):
			return t
		}
	}
	return nil
}

// checkSecondary applies the state machine; it returns a gateway code and
// message when the request is not allowed.
func checkSecondary(requestType string, target *txn, o *order, cents int64) (string, string) {
	if target.result != "APPROVED" {
		return "-5903", "The referenced transaction was not approved"
	}
	authorized, captured, refunded := o.balance()
	switch requestType {
	case "PostAuthTransaction":
		if target.typ != tPreAuth {
			return "-5903", "Only a pre-authorisation can be captured"
		}
		if target.state == sVoided {
			return "-5903", "The authorisation was voided"
		}
		if o.capturedFromPreAuths()+cents > authorized {
			return "-5902", "Amount exceeds the authorised amount"
		}
	case "ReturnTransaction":
		if target.typ == tVoid || target.typ == tReturn {
			return "-5903", "This transaction cannot be refunded"
		}
		if target.state == sVoided {
			return "-5903", "The transaction was voided"
		}
		if refunded+cents > captured {
			return "-5902", "Amount exceeds the captured amount"
		}
	case "VoidTransaction":
		switch {
		case target.state == sVoided:
			return "-5903", "The transaction is already voided"
		case target.state == sSettled:
			return "-5903", "The transaction is already settled"
		case target.typ == tVoid:
			return "-5903", "A void cannot be voided"
		case target.typ == tSale && refunded > 0:
			return "-5903", "The sale has returns"
		case target.typ == tPostAuth && captured-target.cents < refunded:
			return "-5903", "The capture has been refunded"
		case target.typ == tPreAuth && (target.state != sAuthorized || o.capturedFromPreAuths() > 0):
			return "-5903", "The authorisation has captures; use VoidPreAuthTransactions"
		}
	case "VoidPreAuthTransactions":
		if target.typ != tPreAuth {
			return "-5903", "Not a pre-authorisation"
		}
		if len(o.openPreAuths()) == 0 {
			return "-5903", "The order has no open authorisation"
		}
	}
	return "", ""
}
