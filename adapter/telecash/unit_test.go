package telecash

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"testing"

	"mietwerk.dev/mietwerk/payment"
)

func TestSignTestVector(t *testing.T) {
	const (
		key, secret = "apikey123", "secret456"
		id, ts      = "0f8fad5b-d9cb-469f-a165-70867728950e", "1700000000000"
		body        = `{"requestType":"PaymentCardSaleTransaction","transactionAmount":{"total":"13.00","currency":"EUR"}}`
	)
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"variant A", Sign(key, secret, id, ts, []byte(body)), "Y4G4oxsdXmAnt3IKmsjE+KLTWcyoSK9plgurSR6506I="},
		{"variant B", SignHex(key, secret, id, ts, []byte(body)), "NjM4MWI4YTMxYjFkNWU2MDI3Yjc3MjBhOWFjOGM0ZjhhMmQzNTljY2E4NDhhZjY5OTYwYmFiNDkxZWI5ZDNhMg=="},
		{"GET, empty body", Sign(key, secret, id, ts, nil), "VDbRdZeUmCUKvaU/VPnoWN6fWdDszpbr1za7W3tRqiY="},
		{"GET, empty slice", Sign(key, secret, id, ts, []byte{}), "VDbRdZeUmCUKvaU/VPnoWN6fWdDszpbr1za7W3tRqiY="},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestNewUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		u := NewUUID()
		if !re.MatchString(u) {
			t.Fatalf("not a v4 UUID: %s", u)
		}
		if seen[u] {
			t.Fatalf("repeated UUID %s", u)
		}
		seen[u] = true
	}
}

func TestParseApproval(t *testing.T) {
	tests := []struct {
		in         string
		kind       byte
		code, text string
	}{
		{"Y:233386:4371823690:PPXM:1134859933", 'Y', "233386", ""},
		{"N:05:Do Not Honour", 'N', "05", "Do Not Honour"},
		{"N:-5003:The order already exists in the database.", 'N', "-5003", "The order already exists in the database."},
		{"N:-30031:No terminal setup", 'N', "-30031", "No terminal setup"},
		{"?:waiting 3dsecure", '?', "", "waiting 3dsecure"},
		{"?:-49998:Communication Error", '?', "-49998", "Communication Error"},
		{"", 0, "", ""},
		{"garbage", 0, "", ""},
	}
	for _, tt := range tests {
		a := parseApproval(tt.in)
		if a.kind != tt.kind || a.code != tt.code || a.text != tt.text {
			t.Errorf("parseApproval(%q) = %+v", tt.in, a)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in     string
		digits int
		want   int64
		ok     bool
	}{
		{"13.00", 2, 1300, true}, {"13", 2, 1300, true}, {"13.5", 2, 1350, true}, {"0.01", 2, 1, true},
		{"1300", 0, 1300, true}, {"13.001", 2, 0, false}, {"13.", 2, 0, false}, {"", 2, 0, false},
		{"-1", 2, 0, false}, {"1e3", 2, 0, false}, {"1.5", 0, 0, false},
	}
	for _, tt := range tests {
		got, ok := parseDecimal(tt.in, tt.digits)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseDecimal(%q,%d) = %d,%v", tt.in, tt.digits, got, ok)
		}
	}
}

// TestResultOf maps gateway answers (status + body) to outcomes. These are
// the protocol facts of the reference; the simulator exercises the same
// paths over HTTP in the integration tests.
func TestResultOf(t *testing.T) {
	sale := sent{op: payment.OpSale, ref: payment.Ref{MerchantTransactionID: "m1", OrderID: "o1"}, amount: payment.EUR(1300)}
	tests := []struct {
		name    string
		s       sent
		status  int
		body    string
		err     error
		outcome payment.Outcome
		reason  payment.ReasonCode
		gwCode  string
	}{
		{"approved by result", sale, 200, `{"transactionResult":"APPROVED","approvalCode":"Y:1:2:PPXM:3"}`, nil, payment.Approved, "", ""},
		{"approved by old status only", sale, 200, `{"transactionStatus":"APPROVED"}`, nil, payment.Approved, "", ""},
		{"201 accepted", sale, 201, `{"transactionResult":"APPROVED"}`, nil, payment.Approved, "", ""},
		{"partial", sale, 200, `{"transactionResult":"PARTIAL","approvedAmount":{"total":5,"currency":"EUR"}}`, nil, payment.Approved, "", ""},
		{"inquiry state captured", sale, 200, `{"transactionState":"CAPTURED"}`, nil, payment.Approved, "", ""},
		{"inquiry state voided", sale, 200, `{"transactionState":"VOIDED"}`, nil, payment.Approved, "", ""},
		{"inquiry state declined", sale, 200, `{"transactionState":"DECLINED","approvalCode":"N:54:Expired Card"}`, nil, payment.Declined, payment.ReasonExpiredCard, "54"},
		{"approval code only Y", sale, 200, `{"approvalCode":"Y:1:2"}`, nil, payment.Approved, "", ""},
		{"approval code only N", sale, 200, `{"approvalCode":"N:05:Do Not Honour"}`, nil, payment.Declined, payment.ReasonDeclined, "05"},
		{"approval code only N-", sale, 200, `{"approvalCode":"N:-30031:No terminal setup"}`, nil, payment.Failed, payment.ReasonRejected, "-30031"},
		{"approval code pending", sale, 200, `{"transactionStatus":"PROCESSING_FAILED","approvalCode":"?:-49998:Communication Error"}`, nil, payment.Unknown, payment.ReasonServerError, "-49998"},
		{"waiting 3ds", sale, 200, `{"transactionResult":"WAITING","approvalCode":"?:waiting 3dsecure"}`, nil, payment.Declined, payment.ReasonAuthenticationRequired, "WAITING"},
		{"declined in 200", sale, 200, `{"transactionResult":"DECLINED","approvalCode":"N:51:Insufficient Funds"}`, nil, payment.Declined, payment.ReasonInsufficientFunds, "51"},
		{"fraud", sale, 200, `{"transactionResult":"FRAUD","approvalCode":"N:-5005:FRAUD - Duplicate lockout"}`, nil, payment.Failed, payment.ReasonFraud, "-5005"},
		{"no outcome", sale, 200, `{}`, nil, payment.Unknown, payment.ReasonBadResponse, ""},
		{"unreadable 200", sale, 200, `<html>`, nil, payment.Unknown, payment.ReasonBadResponse, "200"},
		{"422 decline", sale, 422, `{"transactionResult":"DECLINED","approvalCode":"N:05:Do Not Honour","processor":{"responseCode":"05"}}`, nil, payment.Declined, payment.ReasonDeclined, "05"},
		{"422 processor code only", sale, 422, `{"transactionResult":"DECLINED","processor":{"responseCode":"54","responseMessage":"Expired"}}`, nil, payment.Declined, payment.ReasonExpiredCard, "54"},
		{"400", sale, 400, `{"responseType":"BadRequest","error":{"code":"2303","message":"Invalid credit card number","details":[{"field":"paymentCard.number","message":"x"}]}}`, nil, payment.Failed, payment.ReasonInvalidRequest, "2303"},
		{"401", sale, 401, `{"responseType":"Unauthenticated"}`, nil, payment.Failed, payment.ReasonGatewayAuth, "401"},
		{"403", sale, 403, ``, nil, payment.Failed, payment.ReasonGatewayAuth, "403"},
		{"404", sale, 404, `{}`, nil, payment.Failed, payment.ReasonNotFound, "404"},
		{"409 order exists", sale, 409, `{"transactionResult":"FAILED","approvalCode":"N:-5003:The order already exists in the database.","error":{"code":"-5003"}}`, nil, payment.Failed, payment.ReasonOrderExists, "-5003"},
		{"409 duplicate lockout", sale, 409, `{"transactionResult":"FRAUD","approvalCode":"N:-5005:FRAUD - Duplicate lockout"}`, nil, payment.Failed, payment.ReasonDuplicate, "-5005"},
		{"409 other rule", sale, 409, `{"error":{"code":"-5902","message":"Amount exceeds"}}`, nil, payment.Failed, payment.ReasonNotAllowed, "-5902"},
		{"409 token create", sent{op: payment.OpCreateToken}, 409, `{"error":{"code":"-5904"}}`, nil, payment.Failed, payment.ReasonDuplicate, "-5904"},
		{"415", sale, 415, ``, nil, payment.Failed, payment.ReasonRejected, "415"},
		{"429", sale, 429, ``, nil, payment.Failed, payment.ReasonRejected, "429"},
		{"500", sale, 500, `{"responseType":"ServerError"}`, nil, payment.Unknown, payment.ReasonServerError, "500"},
		{"502 even with a failure body", sale, 502, `{"transactionStatus":"PROCESSING_FAILED","approvalCode":"N:-30053:Communication error"}`, nil, payment.Unknown, payment.ReasonServerError, "502"},
		{"503 html", sale, 503, `<html>`, nil, payment.Unknown, payment.ReasonServerError, "503"},
		{"redirect", sale, 302, ``, nil, payment.Unknown, payment.ReasonBadResponse, "302"},
		{"timeout", sale, 0, ``, context.DeadlineExceeded, payment.Unknown, payment.ReasonTimeout, ""},
		{"connection reset", sale, 0, ``, errors.New("read: connection reset by peer"), payment.Unknown, payment.ReasonConnection, ""},
		{"token deleted", sent{op: payment.OpDeleteToken}, 200, `{"requestStatus":"DELETED"}`, nil, payment.Approved, "", ""},
		{"token created", sent{op: payment.OpCreateToken}, 200, `{"requestStatus":"SUCCESS","paymentToken":{"value":"T"}}`, nil, payment.Approved, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := resultOf(tt.s, exchange{status: tt.status, body: []byte(tt.body), err: tt.err})
			if r.Outcome != tt.outcome || r.Reason.Code != tt.reason || r.Reason.GatewayCode != tt.gwCode {
				t.Fatalf("got %s/%s/%q, want %s/%s/%q", r.Outcome, r.Reason.Code, r.Reason.GatewayCode, tt.outcome, tt.reason, tt.gwCode)
			}
			if r.Operation != tt.s.op || r.MerchantTransactionID != tt.s.ref.MerchantTransactionID {
				t.Errorf("request identity lost: %+v", r)
			}
		})
	}
}

func TestResultOfFillsFields(t *testing.T) {
	body := `{"ipgTransactionId":"84000000012","orderId":"o1","merchantTransactionId":"m1","transactionType":"SALE",
	"transactionTime":1773135000,"approvedAmount":{"total":13,"currency":"EUR"},"transactionResult":"APPROVED",
	"transactionState":"CAPTURED","approvalCode":"Y:OK7118:84000000012:PPXM:1","schemeTransactionId":"300000000000042",
	"paymentToken":{"value":"TOK1","last4":"1111","brand":"VISA"},
	"paymentMethodDetails":{"paymentCard":{"expiryDate":{"month":"03","year":"2030"},"bin":"411111","last4":"1111","brand":"VISA"}},
	"processor":{"responseCode":"00"}}`
	r := resultOf(sent{op: payment.OpSale}, exchange{status: http.StatusOK, body: []byte(body)})
	want := payment.Result{
		Operation: payment.OpSale, Outcome: payment.Approved, MerchantTransactionID: "m1", OrderID: "o1",
		TransactionID: "84000000012", Type: payment.TxSale, State: payment.StateCaptured,
		ApprovalCode: "Y:OK7118:84000000012:PPXM:1", SchemeTransactionID: "300000000000042", Token: "TOK1",
		Card:                  payment.CardInfo{Brand: payment.BrandVisa, Last4: "1111", ExpMonth: 3, ExpYear: 2030},
		ProcessorResponseCode: "00", Amount: payment.EUR(1300),
	}
	want.Time = r.Time
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
	if r.Time.Unix() != 1773135000 {
		t.Errorf("time %v", r.Time)
	}
}
