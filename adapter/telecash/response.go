package telecash

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/payment"
)

// sent describes the request a response answers, to fill what the
// response leaves out.
type sent struct {
	op     payment.Operation
	ref    payment.Ref
	amount payment.Amount
	token  string
}

// resultOf maps one exchange of a money-moving or token request to a
// Result: transport failure, 5xx and unreadable 2xx → Unknown; 400 →
// Failed(invalid_request); 401/403 → Failed(gateway_auth); 404 →
// Failed(not_found); 409 → Failed (order_exists, duplicate, not_allowed);
// 422 → Declined; other 4xx → Failed(rejected); 2xx → by the body's
// transactionResult, transactionStatus, transactionState, requestStatus
// and approvalCode, in that order.
func resultOf(s sent, ex exchange) payment.Result {
	r := payment.Result{Operation: s.op, MerchantTransactionID: s.ref.MerchantTransactionID,
		OrderID: s.ref.OrderID, Amount: s.amount, Token: s.token}
	if ex.err != nil {
		r.Outcome, r.Reason = payment.Unknown, transportReason(ex.err)
		return r
	}
	var body txResponse
	decodeErr := json.Unmarshal(ex.body, &body)
	status := ex.status
	code := strconv.Itoa(status)
	switch {
	case status >= 200 && status < 300:
		if decodeErr != nil {
			r.Outcome, r.Reason = payment.Unknown, payment.Reason{Code: payment.ReasonBadResponse, GatewayCode: code, Message: "unreadable response body"}
			return r
		}
		fill(&r, &body)
		r.Outcome, r.Reason = outcomeOf(&body)
		return r
	case status >= 500:
		r.Outcome = payment.Unknown
		r.Reason = payment.Reason{Code: payment.ReasonServerError, GatewayCode: code, Message: http.StatusText(status)}
		if decodeErr == nil {
			fill(&r, &body)
			if body.Error != nil && body.Error.Message != "" {
				r.Reason.Message = body.Error.Message
			}
		}
		return r
	case status < 200 || (status >= 300 && status < 400):
		r.Outcome, r.Reason = payment.Unknown, payment.Reason{Code: payment.ReasonBadResponse, GatewayCode: code, Message: http.StatusText(status)}
		return r
	}
	// 4xx: nothing was done, or the processor declined.
	if decodeErr == nil {
		fill(&r, &body)
	}
	r.Reason = payment.Reason{GatewayCode: code, Message: http.StatusText(status)}
	if body.Error != nil {
		if body.Error.Code != "" {
			r.Reason.GatewayCode = string(body.Error.Code)
		}
		if body.Error.Message != "" {
			r.Reason.Message = body.Error.Message
		}
		for _, d := range body.Error.Details {
			r.Reason.Fields = append(r.Reason.Fields, errs.FieldError{Field: d.Field, Message: d.Message})
		}
	}
	r.Outcome = payment.Failed
	switch status {
	case http.StatusBadRequest:
		r.Reason.Code = payment.ReasonInvalidRequest
	case http.StatusUnauthorized, http.StatusForbidden:
		r.Reason.Code = payment.ReasonGatewayAuth
	case http.StatusNotFound:
		r.Reason.Code = payment.ReasonNotFound
	case http.StatusConflict:
		r.Reason.Code = payment.ReasonNotAllowed
		if ac := parseApproval(body.ApprovalCode); ac.code != "" {
			r.Reason.GatewayCode, r.Reason.Message = ac.code, ac.text
		}
		switch {
		case r.Reason.GatewayCode == "-5003":
			r.Reason.Code = payment.ReasonOrderExists
		case r.Reason.GatewayCode == "-5005" || s.op == payment.OpCreateToken:
			r.Reason.Code = payment.ReasonDuplicate
		case body.TransactionResult == "FRAUD":
			r.Reason.Code = payment.ReasonFraud
		}
	case http.StatusUnprocessableEntity:
		r.Outcome, r.Reason = payment.Declined, declineReason(&body)
	default:
		r.Reason.Code = payment.ReasonRejected
	}
	return r
}

// outcomeOf reads the outcome of a 2xx transaction or token response.
func outcomeOf(b *txResponse) (payment.Outcome, payment.Reason) {
	ac := parseApproval(b.ApprovalCode)
	waiting := payment.Reason{Code: payment.ReasonAuthenticationRequired, GatewayCode: "WAITING", Message: ac.text}
	switch first(b.TransactionResult, b.TransactionStatus) {
	case "APPROVED", "PARTIAL":
		return payment.Approved, payment.Reason{}
	case "DECLINED":
		return payment.Declined, declineReason(b)
	case "WAITING":
		return payment.Declined, waiting
	case "VALIDATION_FAILED":
		return payment.Failed, failReason(payment.ReasonInvalidRequest, ac, b)
	case "FRAUD":
		return payment.Failed, failReason(payment.ReasonFraud, ac, b)
	case "FAILED", "PROCESSING_FAILED":
		if ac.kind == '?' {
			return payment.Unknown, payment.Reason{Code: payment.ReasonServerError, GatewayCode: ac.code, Message: ac.text}
		}
		return payment.Failed, failReason(payment.ReasonRejected, ac, b)
	}
	switch b.TransactionState { // inquiries carry only the state
	case "AUTHORIZED", "CAPTURED", "SETTLED", "VOIDED", "COMPLETED_GET":
		return payment.Approved, payment.Reason{}
	case "DECLINED":
		return payment.Declined, declineReason(b)
	case "WAITING":
		return payment.Declined, waiting
	}
	switch b.RequestStatus { // token endpoints
	case "SUCCESS", "APPROVED", "DELETED":
		return payment.Approved, payment.Reason{}
	case "DECLINED":
		return payment.Declined, declineReason(b)
	case "WAITING":
		return payment.Declined, waiting
	case "VALIDATION_FAILED":
		return payment.Failed, failReason(payment.ReasonInvalidRequest, ac, b)
	case "FAILED":
		return payment.Failed, failReason(payment.ReasonRejected, ac, b)
	}
	switch ac.kind {
	case 'Y':
		return payment.Approved, payment.Reason{}
	case 'N':
		if strings.HasPrefix(ac.code, "-") {
			return payment.Failed, failReason(payment.ReasonRejected, ac, b)
		}
		return payment.Declined, declineReason(b)
	}
	return payment.Unknown, payment.Reason{Code: payment.ReasonBadResponse, GatewayCode: ac.code, Message: "response names no outcome"}
}

func failReason(code payment.ReasonCode, ac approval, b *txResponse) payment.Reason {
	r := payment.Reason{Code: code, GatewayCode: ac.code, Message: ac.text}
	if b.Error != nil {
		if r.GatewayCode == "" {
			r.GatewayCode = string(b.Error.Code)
		}
		if r.Message == "" {
			r.Message = b.Error.Message
		}
	}
	return r
}

// declineReason derives the reason of an issuer decline from the approval
// code ("N:05:Do Not Honour") or else the processor response code.
func declineReason(b *txResponse) payment.Reason {
	ac := parseApproval(b.ApprovalCode)
	pc, msg := ac.code, ac.text
	if b.Processor != nil {
		if pc == "" || strings.HasPrefix(pc, "-") {
			pc = b.Processor.ResponseCode
		}
		if msg == "" {
			msg = b.Processor.ResponseMessage
		}
	}
	return payment.Reason{Code: declineCode(pc), GatewayCode: pc, Message: msg}
}

// declineCode maps ISO 8583 / processor response codes to a reason.
func declineCode(pc string) payment.ReasonCode {
	switch pc {
	case "54", "33":
		return payment.ReasonExpiredCard
	case "51", "61":
		return payment.ReasonInsufficientFunds
	case "14", "15", "N7", "82":
		return payment.ReasonInvalidCard
	case "65", "1A":
		return payment.ReasonAuthenticationRequired
	}
	return payment.ReasonDeclined
}

// approval is a parsed approvalCode: kind 'Y', 'N', '?' or 0; code is the
// second part for N/? codes ("05", "-5003") or the processor approval code
// for Y codes; text is the rest.
type approval struct {
	kind byte
	code string
	text string
}

func parseApproval(s string) approval {
	if len(s) < 2 || s[1] != ':' {
		return approval{}
	}
	a := approval{kind: s[0]}
	parts := strings.SplitN(s[2:], ":", 2)
	switch a.kind {
	case 'Y':
		a.code = parts[0]
	case 'N', '?':
		if len(parts) == 2 && isCode(parts[0]) {
			a.code, a.text = parts[0], parts[1]
		} else {
			a.text = s[2:]
		}
	default:
		return approval{}
	}
	return a
}

// isCode reports whether s looks like a response code: optional '-', then
// 1..8 letters or digits.
func isCode(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" || len(s) > 8 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// fill copies identifiers and card data of a response into r.
func fill(r *payment.Result, b *txResponse) {
	r.TransactionID = first(b.IpgTransactionID, r.TransactionID)
	r.OrderID = first(b.OrderID, r.OrderID)
	r.MerchantTransactionID = first(b.MerchantTransactionID, r.MerchantTransactionID)
	r.Type = payment.TxType(b.TransactionType)
	r.State = payment.State(b.TransactionState)
	r.ApprovalCode = b.ApprovalCode
	r.SchemeTransactionID = b.SchemeTransactionID
	if b.Processor != nil {
		r.ProcessorResponseCode = b.Processor.ResponseCode
	}
	if sec, err := strconv.ParseInt(string(b.TransactionTime), 10, 64); err == nil && sec > 0 {
		r.Time = time.Unix(sec, 0).UTC()
	}
	if a, ok := amountFrom(b.ApprovedAmount); ok {
		r.Amount = a
	} else if a, ok := amountFrom(b.TransactionAmount); ok {
		r.Amount = a
	}
	if t := b.PaymentToken; t != nil {
		r.Token = first(t.Value, r.Token)
		r.Card.Last4 = t.Last4
		r.Card.Brand = payment.ParseBrand(t.Brand)
	}
	if d := b.PaymentMethodDetails; d != nil {
		if d.PaymentCard != nil {
			pc := d.PaymentCard
			r.Card.Last4 = first(pc.Last4, r.Card.Last4)
			if br := payment.ParseBrand(first(pc.Brand, d.PaymentMethodBrand)); br != "" {
				r.Card.Brand = br
			}
			if pc.ExpiryDate != nil {
				m, _ := strconv.Atoi(string(pc.ExpiryDate.Month))
				y, _ := strconv.Atoi(string(pc.ExpiryDate.Year))
				if y > 0 && y < 100 {
					y += 2000
				}
				if m >= 1 && m <= 12 && y > 0 {
					r.Card.ExpMonth, r.Card.ExpYear = m, y
				}
			}
		}
	}
}

// amountFrom converts a gateway decimal amount to cents. It reports false
// when the amount is missing or not a decimal with at most the currency's
// minor digits.
func amountFrom(a *amountIn) (payment.Amount, bool) {
	if a == nil || a.Total == "" || a.Currency == "" {
		return payment.Amount{}, false
	}
	digits, ok := payment.MinorUnits(a.Currency)
	if !ok {
		return payment.Amount{}, false
	}
	cents, ok := parseDecimal(string(a.Total), digits)
	if !ok {
		return payment.Amount{}, false
	}
	return payment.Amount{Cents: cents, Currency: a.Currency}, true
}

// parseDecimal parses "13", "13.5" or "13.00" into minor units with the
// given number of fraction digits, without floating point.
func parseDecimal(s string, digits int) (int64, bool) {
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || len(frac) > digits || (hasDot && frac == "") {
		return 0, false
	}
	for len(frac) < digits {
		frac += "0"
	}
	n, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/10 {
		return 0, false
	}
	return n, true
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
