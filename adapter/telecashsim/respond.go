package telecashsim

import (
	"encoding/json"
	"net/http"
	"strings"
)

// answer is a response decided under the lock and written after it.
type answer struct {
	status    int
	body      any
	committed bool  // state changed: after-commit faults apply
	cents     int64 // the request's amount, for the magic amounts
}

// finish writes a, applying the after-commit faults of the magic amounts.
func (s *Simulator) finish(c *call, a answer) {
	if a.committed {
		s.markChanged()
		switch {
		case a.cents == AmountHangAfterCommit || c.fault == FaultTimeout:
			if !sleep(c.r, s.opts.FaultDelay) {
				return // the client gave up; nobody to answer
			}
		case a.cents == AmountServerErrorAfterCommit || c.fault == FaultServerError:
			writeError(c.w, http.StatusInternalServerError, c.requestID, "", "ServerError", "500", "Internal server error", nil)
			return
		case c.fault == FaultLostAnswer:
			cutConnection(c.w)
			return
		}
	}
	writeJSON(c.w, a.status, a.body)
}

// badGateway is the 502 answer of the no-commit fault amount.
func badGateway(c *call, trace string) answer {
	return answer{status: http.StatusBadGateway, body: respTx{
		ClientRequestID: c.requestID, APITraceID: trace, ResponseType: "EndpointCommunicationError",
		TransactionStatus: "PROCESSING_FAILED", TransactionResult: "FAILED",
		ApprovalCode: "N:-30053:Communication error",
		Error:        &respError{Code: "-30053", Message: "Communication error with the endpoint"},
	}}
}

// refuse is a 409 GatewayDeclined answer with a gateway code.
func refuse(c *call, trace, code, msg string) answer {
	return answer{status: http.StatusConflict, body: respTx{
		ClientRequestID: c.requestID, APITraceID: trace, ResponseType: "GatewayDeclined",
		TransactionStatus: "PROCESSING_FAILED", TransactionResult: "FAILED",
		ApprovalCode: "N:" + code + ":" + msg,
		Error:        &respError{Code: code, Message: msg},
	}}
}

// badRequest is a 400 answer listing the problems.
func badRequest(c *call, trace string, p *problems) answer {
	code, msg := "400", "Request validation failed"
	if p.cardCode {
		code, msg = "2303", "Invalid credit card number"
	}
	return answer{status: http.StatusBadRequest, body: respTx{
		ClientRequestID: c.requestID, APITraceID: trace, ResponseType: "BadRequest",
		Error: &respError{Code: code, Message: msg, Details: p.details},
	}}
}

func notFound(c *call, trace, what string) answer {
	return answer{status: http.StatusNotFound, body: respTx{
		ClientRequestID: c.requestID, APITraceID: trace, ResponseType: "NotFound",
		Error: &respError{Code: "404", Message: what + " not found"},
	}}
}

// checkStore refuses a storeId other than the simulator's with 403.
func (s *Simulator) checkStore(c *call, storeID string) bool {
	if storeID == "" {
		storeID = c.r.URL.Query().Get("storeId")
	}
	if storeID != "" && storeID != s.opts.StoreID {
		writeError(c.w, http.StatusForbidden, c.requestID, "", "Unauthorized", "403", "Store not permitted for this API key", nil)
		return false
	}
	return true
}

// decode reads a JSON request body; on failure it answers 400.
func decode(c *call, v any) bool {
	if err := json.Unmarshal(c.body, v); err != nil {
		writeError(c.w, http.StatusBadRequest, c.requestID, "", "BadRequest", "400", "Malformed JSON request body", nil)
		return false
	}
	return true
}

// money renders minor units as a JSON decimal number.
func money(cents int64, currency string) *respAmount {
	digits := currencies[currency]
	s := itoa(cents)
	if digits > 0 {
		if len(s) <= digits {
			s = strings.Repeat("0", digits-len(s)+1) + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	return &respAmount{Total: json.Number(s), Currency: currency}
}

// txResp renders a transaction. full adds transactionStatus and
// transactionResult, which inquiries leave out.
func (s *Simulator) txResp(t *txn, c *call, trace string, full bool) respTx {
	r := respTx{
		Type: "transactionResponse", ClientRequestID: c.requestID, APITraceID: trace,
		IpgTransactionID: t.ipgID, OrderID: t.orderID, MerchantTransactionID: t.merchTxID,
		TransactionType: t.typ, TransactionOrigin: "ECOM", TransactionTime: t.at.Unix(),
		TransactionAmount: money(t.cents, t.currency), TransactionState: t.state,
		ApprovalCode: t.approvalCode, SchemeTransactionID: t.schemeID,
	}
	if t.result == "APPROVED" {
		r.ApprovedAmount = money(t.cents, t.currency)
	}
	if full {
		r.TransactionStatus, r.TransactionResult = t.result, t.result
	}
	if t.procCode != "" {
		r.Processor = &respProcessor{ReferenceNumber: t.ipgID, AuthorizationCode: t.auth, ResponseCode: t.procCode, ResponseMessage: t.procMsg, Network: "SIM"}
	}
	if t.card != nil {
		pc := &respCard{Bin: t.card.bin, Last4: t.card.last4, Brand: t.card.brand}
		pc.ExpiryDate.Month = twoDigits(t.card.expMonth)
		pc.ExpiryDate.Year = itoa(int64(t.card.expYear))
		r.PaymentMethodDetails = &respMethodDetails{PaymentCard: pc, PaymentMethodType: "PAYMENT_CARD", PaymentMethodBrand: t.card.brand}
	}
	if t.token != nil {
		r.PaymentToken = tokenResp(t.token)
	}
	if t.state == sWaiting {
		r.AuthenticationResp = map[string]any{
			"type": "3D_SECURE", "version": "2.1",
			"params": map[string]string{"acsURL": "https://sim.invalid/acs", "cReq": "c2ltLWNyZXE="},
		}
	}
	return r
}

func tokenResp(t *token) *respToken {
	return &respToken{Value: t.value, Reusable: t.reusable, DeclineDuplicates: t.declineDuplicates,
		Last4: t.card.last4, Brand: t.card.brand, Type: "PAYMENT_CARD"}
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + itoa(int64(n))
	}
	return itoa(int64(n))
}
