package telecashsim

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Request bodies as the simulator reads them. Pointers mark optional
// objects; unknown fields are ignored.

type reqBody struct {
	RequestType           string             `json:"requestType"`
	StoreID               string             `json:"storeId"`
	MerchantTransactionID string             `json:"merchantTransactionId"`
	TransactionOrigin     string             `json:"transactionOrigin"`
	TransactionAmount     *reqAmount         `json:"transactionAmount"`
	Order                 *reqOrder          `json:"order"`
	PaymentMethod         *reqPaymentMethod  `json:"paymentMethod"`
	PaymentCard           *reqCard           `json:"paymentCard"` // tokenization request
	CreateToken           *reqCreateToken    `json:"createToken"`
	StoredCredentials     *reqStoredCredents `json:"storedCredentials"`
	AccountVerification   bool               `json:"accountVerification"`
}

type reqAmount struct {
	Total    json.RawMessage `json:"total"`
	Currency string          `json:"currency"`
}

type reqOrder struct {
	OrderID                    string `json:"orderId"`
	IndustrySpecificExtensions *struct {
		CarRental *Rental `json:"carRental"`
	} `json:"industrySpecificExtensions"`
}

type reqPaymentMethod struct {
	PaymentCard  *reqCard `json:"paymentCard"`
	PaymentToken *struct {
		Value        string `json:"value"`
		SecurityCode string `json:"securityCode"`
	} `json:"paymentToken"`
}

type reqCard struct {
	Number       string `json:"number"`
	SecurityCode string `json:"securityCode"`
	ExpiryDate   *struct {
		Month string `json:"month"`
		Year  string `json:"year"`
	} `json:"expiryDate"`
	CardholderName string `json:"cardholderName"`
}

type reqCreateToken struct {
	Value             string `json:"value"`
	Reusable          *bool  `json:"reusable"`
	DeclineDuplicates bool   `json:"declineDuplicates"`
}

type reqStoredCredents struct {
	Sequence                      string `json:"sequence"`
	Scheduled                     *bool  `json:"scheduled"`
	Initiator                     string `json:"initiator"`
	ReferencedSchemeTransactionID string `json:"referencedSchemeTransactionId"`
}

// Response bodies.

type respAmount struct {
	Total    json.Number `json:"total"`
	Currency string      `json:"currency"`
}

type respToken struct {
	Value             string `json:"value"`
	Reusable          bool   `json:"reusable"`
	DeclineDuplicates bool   `json:"declineDuplicates"`
	Last4             string `json:"last4,omitempty"`
	Brand             string `json:"brand,omitempty"`
	Type              string `json:"type"`
}

type respCard struct {
	ExpiryDate struct {
		Month string `json:"month"`
		Year  string `json:"year"`
	} `json:"expiryDate"`
	Bin   string `json:"bin"`
	Last4 string `json:"last4"`
	Brand string `json:"brand"`
}

type respMethodDetails struct {
	PaymentCard        *respCard `json:"paymentCard,omitempty"`
	PaymentMethodType  string    `json:"paymentMethodType"`
	PaymentMethodBrand string    `json:"paymentMethodBrand,omitempty"`
}

type respProcessor struct {
	ReferenceNumber   string `json:"referenceNumber,omitempty"`
	AuthorizationCode string `json:"authorizationCode,omitempty"`
	ResponseCode      string `json:"responseCode"`
	ResponseMessage   string `json:"responseMessage"`
	Network           string `json:"network,omitempty"`
}

type respErrorDetail struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

type respError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Details []respErrorDetail `json:"details,omitempty"`
}

type respTx struct {
	Type                  string             `json:"type,omitempty"`
	ClientRequestID       string             `json:"clientRequestId,omitempty"`
	APITraceID            string             `json:"apiTraceId,omitempty"`
	ResponseType          string             `json:"responseType,omitempty"`
	IpgTransactionID      string             `json:"ipgTransactionId,omitempty"`
	OrderID               string             `json:"orderId,omitempty"`
	MerchantTransactionID string             `json:"merchantTransactionId,omitempty"`
	TransactionType       string             `json:"transactionType,omitempty"`
	TransactionOrigin     string             `json:"transactionOrigin,omitempty"`
	TransactionTime       int64              `json:"transactionTime,omitempty"`
	ApprovedAmount        *respAmount        `json:"approvedAmount,omitempty"`
	TransactionAmount     *respAmount        `json:"transactionAmount,omitempty"`
	TransactionStatus     string             `json:"transactionStatus,omitempty"`
	TransactionResult     string             `json:"transactionResult,omitempty"`
	TransactionState      string             `json:"transactionState,omitempty"`
	ApprovalCode          string             `json:"approvalCode,omitempty"`
	SchemeTransactionID   string             `json:"schemeTransactionId,omitempty"`
	PaymentToken          *respToken         `json:"paymentToken,omitempty"`
	PaymentMethodDetails  *respMethodDetails `json:"paymentMethodDetails,omitempty"`
	Processor             *respProcessor     `json:"processor,omitempty"`
	AuthenticationResp    any                `json:"authenticationResponse,omitempty"`
	Error                 *respError         `json:"error,omitempty"`
}

type respOrder struct {
	ClientRequestID string   `json:"clientRequestId,omitempty"`
	APITraceID      string   `json:"apiTraceId,omitempty"`
	OrderID         string   `json:"orderId"`
	Transactions    []respTx `json:"transactions"`
}

type respTokenization struct {
	ClientRequestID string     `json:"clientRequestId,omitempty"`
	APITraceID      string     `json:"apiTraceId,omitempty"`
	ResponseType    string     `json:"responseType,omitempty"`
	RequestStatus   string     `json:"requestStatus"`
	RequestTime     int64      `json:"requestTime"`
	PaymentToken    *respToken `json:"paymentToken,omitempty"`
	Error           *respError `json:"error,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"responseType":"ServerError"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError writes the generic error body of the IPG API.
func writeError(w http.ResponseWriter, status int, clientRequestID, traceID, responseType, code, msg string, details []respErrorDetail) {
	writeJSON(w, status, respTx{
		ClientRequestID: clientRequestID, APITraceID: traceID, ResponseType: responseType,
		Error: &respError{Code: code, Message: msg, Details: details},
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
