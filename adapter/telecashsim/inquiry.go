package telecashsim

import "net/http"

// handleInquiry serves GET /payments/{id}. The answer carries
// transactionState but, like the real gateway, no transactionStatus (nor
// transactionResult).
func (s *Simulator) handleInquiry(c *call) {
	if !s.checkStore(c, "") {
		return
	}
	id := c.r.PathValue("id")
	s.mu.Lock()
	trace := s.newTraceID()
	t := s.txns[id]
	if t == nil {
		t = s.byMerch[id]
	}
	var a answer
	if t == nil {
		a = notFound(c, trace, "Transaction")
	} else {
		a = answer{status: http.StatusOK, body: s.txResp(t, c, trace, false)}
	}
	s.mu.Unlock()
	writeJSON(c.w, a.status, a.body)
}

// handleOrderInquiry serves GET /orders/{orderId}: every transaction of
// the order, oldest first, in inquiry form.
func (s *Simulator) handleOrderInquiry(c *call) {
	if !s.checkStore(c, "") {
		return
	}
	s.mu.Lock()
	trace := s.newTraceID()
	o := s.orders[c.r.PathValue("id")]
	var a answer
	if o == nil {
		a = notFound(c, trace, "Order")
	} else {
		r := respOrder{ClientRequestID: c.requestID, APITraceID: trace, OrderID: o.id, Transactions: make([]respTx, 0, len(o.txns))}
		for _, t := range o.txns {
			tr := s.txResp(t, c, "", false)
			tr.ClientRequestID, tr.APITraceID = "", ""
			r.Transactions = append(r.Transactions, tr)
		}
		a = answer{status: http.StatusOK, body: r}
	}
	s.mu.Unlock()
	writeJSON(c.w, a.status, a.body)
}
