package telecashsim

import (
	"net/http"
	"unicode/utf8"
)

// handleTokenCreate serves POST /payment-tokens.
func (s *Simulator) handleTokenCreate(c *call) {
	var b reqBody
	if !decode(c, &b) || !s.checkStore(c, b.StoreID) {
		return
	}
	var p problems
	if b.RequestType != "PaymentCardPaymentTokenizationRequest" {
		p.add("requestType", "must be PaymentCardPaymentTokenizationRequest")
	}
	if len(b.MerchantTransactionID) > 40 {
		p.add("merchantTransactionId", "size must be between 0 and 40")
	}
	card, _ := p.card(b.PaymentCard, "paymentCard")
	ct := b.CreateToken
	if ct == nil {
		ct = &reqCreateToken{}
	}
	if utf8.RuneCountInString(ct.Value) > 64 {
		p.add("createToken.value", "size must be between 0 and 64")
	}
	if !p.empty() {
		writeJSON(c.w, http.StatusBadRequest, badRequest(c, "", &p).body)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	resp := respTokenization{ClientRequestID: c.requestID, APITraceID: s.newTraceID(), RequestTime: now.UnixMilli()}
	refuse := func(status int, rtype, code, msg string) {
		resp.ResponseType, resp.RequestStatus = rtype, "FAILED"
		if status == http.StatusUnprocessableEntity {
			resp.RequestStatus = "DECLINED"
		}
		resp.Error = &respError{Code: code, Message: msg}
		writeJSON(c.w, status, resp)
	}
	if t := s.tokens[ct.Value]; ct.Value != "" && t != nil && t.card.key != card.key {
		refuse(http.StatusConflict, "GatewayDeclined", "-5904", "Token value already stores another card")
		return
	}
	if ct.DeclineDuplicates && s.storedUnderOther(card.key, ct.Value) {
		refuse(http.StatusConflict, "GatewayDeclined", "-5904", "Card already stored under another token")
		return
	}
	if b.AccountVerification && (card.behave != approve && card.behave != challenge3DS || card.expired(now)) {
		refuse(http.StatusUnprocessableEntity, "EndpointDeclined", "05", "Account verification declined")
		return
	}
	t := s.storeToken(ct, card)
	s.changed = true
	resp.RequestStatus, resp.PaymentToken = "SUCCESS", tokenResp(t)
	writeJSON(c.w, http.StatusOK, resp)
}

// handleTokenGet serves GET /payment-tokens/{id}.
func (s *Simulator) handleTokenGet(c *call) {
	if !s.checkStore(c, "") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[c.r.PathValue("id")]
	if t == nil {
		writeJSON(c.w, http.StatusNotFound, notFound(c, s.newTraceID(), "Payment token").body)
		return
	}
	writeJSON(c.w, http.StatusOK, respTokenization{ClientRequestID: c.requestID, APITraceID: s.newTraceID(),
		RequestStatus: "SUCCESS", RequestTime: s.opts.Now().UnixMilli(), PaymentToken: tokenResp(t)})
}

// handleTokenDelete serves DELETE /payment-tokens/{id}.
func (s *Simulator) handleTokenDelete(c *call) {
	if !s.checkStore(c, "") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := c.r.PathValue("id")
	t := s.tokens[id]
	if t == nil {
		writeJSON(c.w, http.StatusNotFound, notFound(c, s.newTraceID(), "Payment token").body)
		return
	}
	delete(s.tokens, id)
	s.changed = true
	writeJSON(c.w, http.StatusOK, respTokenization{ClientRequestID: c.requestID, APITraceID: s.newTraceID(),
		RequestStatus: "DELETED", RequestTime: s.opts.Now().UnixMilli(), PaymentToken: &respToken{Value: id, Type: "PAYMENT_CARD"}})
}
