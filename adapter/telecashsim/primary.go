package telecashsim

import (
	"fmt"
	"net/http"
)

// handlePrimary serves POST /payments: card and token sales and pre-auths.
func (s *Simulator) handlePrimary(c *call) {
	var b reqBody
	if !decode(c, &b) || !s.checkStore(c, b.StoreID) {
		return
	}
	var p problems
	var isPre, isToken, isCard bool
	switch b.RequestType {
	case "PaymentCardSaleTransaction":
		isCard = true
	case "PaymentCardPreAuthTransaction":
		isPre, isCard = true, true
	case "PaymentTokenSaleTransaction":
		isToken = true
	case "PaymentTokenPreAuthTransaction":
		isPre, isToken = true, true
	case "":
		p.add("requestType", "may not be null")
	default:
		p.add("requestType", "unsupported request type for this endpoint")
	}
	p.common(&b)
	cents, currency := p.amount(b.TransactionAmount, true)
	var card cardInfo
	var tokenValue string
	if isToken {
		if b.PaymentMethod == nil || b.PaymentMethod.PaymentToken == nil || b.PaymentMethod.PaymentToken.Value == "" {
			p.add("paymentMethod.paymentToken.value", "may not be null")
		} else {
			tokenValue = b.PaymentMethod.PaymentToken.Value
		}
	} else if isCard {
		var pc *reqCard
		if b.PaymentMethod != nil {
			pc = b.PaymentMethod.PaymentCard
		}
		card, _ = p.card(pc, "paymentMethod.paymentCard")
	}
	if !p.empty() {
		writeJSON(c.w, http.StatusBadRequest, badRequest(c, "", &p).body)
		return
	}
	if cents == AmountSlow && !sleep(c.r, s.opts.SlowDelay) {
		return
	}
	s.mu.Lock()
	a := s.primaryLocked(c, &b, isPre, isToken, cents, currency, card, tokenValue)
	s.mu.Unlock()
	a.cents = cents
	s.finish(c, a)
}

func (s *Simulator) primaryLocked(c *call, b *reqBody, isPre, isToken bool, cents int64, currency string, card cardInfo, tokenValue string) answer {
	trace := s.newTraceID()
	now := s.opts.Now()
	var p problems
	var tok *token
	if isToken {
		tok = s.tokens[tokenValue]
		if tok == nil {
			p.add("paymentMethod.paymentToken.value", "Unknown payment token")
		} else {
			card = tok.card
		}
	}
	sc := b.StoredCredentials
	if sc != nil {
		if sc.Sequence == "SUBSEQUENT" && !isToken {
			p.add("storedCredentials.sequence", "SUBSEQUENT stored-credential use requires a payment token")
		}
		if ref := sc.ReferencedSchemeTransactionID; ref != "" && (tok != nil || !isToken) {
			if key, ok := s.schemes[ref]; !ok || key != card.key {
				p.add("storedCredentials.referencedSchemeTransactionId", "Unknown scheme transaction id for this card")
			}
		}
	}
	if !p.empty() {
		return badRequest(c, trace, &p)
	}
	if b.MerchantTransactionID != "" && s.byMerch[b.MerchantTransactionID] != nil {
		return refuse(c, trace, "-5901", "merchantTransactionId already used")
	}
	orderID := ""
	if b.Order != nil {
		orderID = b.Order.OrderID
	}
	o := s.orders[orderID]
	if o != nil && !(isPre && o.kind == tPreAuth && len(o.openPreAuths()) > 0) {
		return refuse(c, trace, "-5003", "The order already exists in the database.")
	}
	ct := b.CreateToken
	if ct != nil && !isToken {
		if t := s.tokens[ct.Value]; ct.Value != "" && t != nil && t.card.key != card.key {
			return refuse(c, trace, "-5904", "Token value already stores another card")
		}
		if ct.DeclineDuplicates && s.storedUnderOther(card.key, ct.Value) {
			return refuse(c, trace, "-5904", "Card already stored under another token")
		}
	}
	if cents == AmountBadGatewayNoCommit || c.fault == FaultBadGateway {
		return badGateway(c, trace)
	}

	// Commit.
	if o == nil {
		if orderID == "" {
			orderID = s.newOrderID()
		}
		o = &order{id: orderID, kind: tSale}
		if isPre {
			o.kind = tPreAuth
		}
		s.orders[orderID] = o
		s.orderSeq = append(s.orderSeq, orderID)
	}
	t := &txn{
		ipgID: s.newIpgID(), merchTxID: b.MerchantTransactionID, orderID: orderID,
		typ: tSale, requestType: b.RequestType, cents: cents, currency: currency, at: now,
		card: &card, token: tok,
	}
	if isPre {
		t.typ = tPreAuth
	}
	if b.Order != nil && b.Order.IndustrySpecificExtensions != nil && b.Order.IndustrySpecificExtensions.CarRental != nil {
		r := *b.Order.IndustrySpecificExtensions.CarRental
		t.rental = &r
	}
	if sc != nil {
		t.stored = &StoredCredentials{Sequence: sc.Sequence, Initiator: sc.Initiator, ReferencedSchemeTransactionID: sc.ReferencedSchemeTransactionID}
		if sc.Scheduled != nil {
			t.stored.Scheduled = *sc.Scheduled
		}
	}
	behave := card.behave
	if isToken && behave == challenge3DS {
		behave = approve // merchant-initiated: no 3-D Secure
	}
	if card.expired(now) {
		behave = declineExpired
	}
	if c.fault == FaultDecline {
		behave = declineDoNotHonour
	}
	status := http.StatusOK
	switch behave {
	case approve:
		t.result, t.state = "APPROVED", sCaptured
		if isPre {
			t.state = sAuthorized
		}
		t.auth = fmt.Sprintf("%06d", s.nextID()%1000000)
		t.approvalCode = fmt.Sprintf("Y:%s:%s:PPXM:%s", t.auth, t.ipgID, itoa(s.nextID()))
		t.procCode, t.procMsg = "00", "APPROVED"
		t.schemeID = s.newSchemeID()
		s.schemes[t.schemeID] = card.key
		if ct != nil && !isToken {
			t.token = s.storeToken(ct, card)
			t.tokenCreated = true
		}
	case challenge3DS:
		t.result, t.state = "WAITING", sWaiting
		t.approvalCode = "?:waiting 3dsecure"
	default:
		code, msg := "05", "Do Not Honour"
		switch behave {
		case declineExpired:
			code, msg = "54", "Expired Card"
		case declineFunds:
			code, msg = "51", "Insufficient Funds"
		}
		t.result, t.state = "DECLINED", sDeclined
		t.approvalCode = "N:" + code + ":" + msg
		t.procCode, t.procMsg = code, msg
		status = http.StatusUnprocessableEntity
	}
	s.addTxn(o, t)
	r := s.txResp(t, c, trace, true)
	if status == http.StatusUnprocessableEntity {
		r.ResponseType = "EndpointDeclined"
		r.Error = &respError{Code: t.procCode, Message: t.procMsg}
	}
	return answer{status: status, body: r, committed: true}
}

// addTxn records t in o and the indexes; call with s.mu held.
func (s *Simulator) addTxn(o *order, t *txn) {
	o.txns = append(o.txns, t)
	s.txns[t.ipgID] = t
	if t.merchTxID != "" {
		s.byMerch[t.merchTxID] = t
	}
}

// storedUnderOther reports whether the card is stored under a token other
// than value; call with s.mu held.
func (s *Simulator) storedUnderOther(cardKey, value string) bool {
	for v, t := range s.tokens {
		if t.card.key == cardKey && v != value {
			return true
		}
	}
	return false
}

// storeToken creates or updates the token asked for; call with s.mu held.
func (s *Simulator) storeToken(ct *reqCreateToken, card cardInfo) *token {
	value := ct.Value
	if value == "" {
		value = s.newTokenValue()
	}
	reusable := ct.Reusable == nil || *ct.Reusable
	t := &token{value: value, card: card, reusable: reusable, declineDuplicates: ct.DeclineDuplicates}
	s.tokens[value] = t
	return t
}
