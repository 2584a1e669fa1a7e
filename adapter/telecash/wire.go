package telecash

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Request bodies of the IPG REST API v2, as far as Mietwerk uses them.
// They are marshalled once; the same bytes are signed and sent. Bodies that
// carry a card number are never logged.

type amountOut struct {
	Total    string `json:"total"`
	Currency string `json:"currency"`
}

type txRequest struct {
	RequestType           string                `json:"requestType"`
	StoreID               string                `json:"storeId,omitempty"`
	MerchantTransactionID string                `json:"merchantTransactionId,omitempty"`
	TransactionOrigin     string                `json:"transactionOrigin,omitempty"`
	TransactionAmount     *amountOut            `json:"transactionAmount,omitempty"`
	Order                 *orderOut             `json:"order,omitempty"`
	PaymentMethod         *paymentMethodOut     `json:"paymentMethod,omitempty"`
	CreateToken           *createTokenOut       `json:"createToken,omitempty"`
	StoredCredentials     *storedCredentialsOut `json:"storedCredentials,omitempty"`
}

type orderOut struct {
	OrderID                    string       `json:"orderId,omitempty"`
	IndustrySpecificExtensions *industryOut `json:"industrySpecificExtensions,omitempty"`
}

type industryOut struct {
	CarRental *carRentalOut `json:"carRental,omitempty"`
}

type carRentalOut struct {
	AgreementNumber string `json:"agreementNumber,omitempty"`
	RenterName      string `json:"renterName,omitempty"`
	ReturnCity      string `json:"returnCity,omitempty"`
	ReturnDate      string `json:"returnDate,omitempty"`
	PickupDate      string `json:"pickupDate,omitempty"`
}

type paymentMethodOut struct {
	PaymentCard  *paymentCardOut `json:"paymentCard,omitempty"`
	PaymentToken *tokenUseOut    `json:"paymentToken,omitempty"`
}

type paymentCardOut struct {
	Number         string    `json:"number"`
	SecurityCode   string    `json:"securityCode,omitempty"`
	ExpiryDate     expiryOut `json:"expiryDate"`
	CardholderName string    `json:"cardholderName,omitempty"`
}

type expiryOut struct {
	Month string `json:"month"`
	Year  string `json:"year"`
}

type tokenUseOut struct {
	Value string `json:"value"`
}

type createTokenOut struct {
	Value             string `json:"value,omitempty"`
	Reusable          bool   `json:"reusable"`
	DeclineDuplicates bool   `json:"declineDuplicates"`
}

type storedCredentialsOut struct {
	Sequence                      string `json:"sequence"`
	Scheduled                     bool   `json:"scheduled"`
	Initiator                     string `json:"initiator,omitempty"`
	ReferencedSchemeTransactionID string `json:"referencedSchemeTransactionId,omitempty"`
}

type tokenizationRequest struct {
	RequestType           string         `json:"requestType"`
	StoreID               string         `json:"storeId,omitempty"`
	MerchantTransactionID string         `json:"merchantTransactionId,omitempty"`
	PaymentCard           paymentCardOut `json:"paymentCard"`
	CreateToken           createTokenOut `json:"createToken"`
	AccountVerification   bool           `json:"accountVerification"`
}

// Response bodies. Unknown fields are ignored; fields the gateway sends as
// a string or a number are read as either.

type txResponse struct {
	ClientRequestID       string           `json:"clientRequestId"`
	APITraceID            string           `json:"apiTraceId"`
	ResponseType          string           `json:"responseType"`
	IpgTransactionID      string           `json:"ipgTransactionId"`
	OrderID               string           `json:"orderId"`
	MerchantTransactionID string           `json:"merchantTransactionId"`
	TransactionType       string           `json:"transactionType"`
	TransactionTime       flexString       `json:"transactionTime"`
	ApprovedAmount        *amountIn        `json:"approvedAmount"`
	TransactionAmount     *amountIn        `json:"transactionAmount"`
	TransactionStatus     string           `json:"transactionStatus"`
	TransactionResult     string           `json:"transactionResult"`
	TransactionState      string           `json:"transactionState"`
	ApprovalCode          string           `json:"approvalCode"`
	SchemeTransactionID   string           `json:"schemeTransactionId"`
	PaymentToken          *tokenIn         `json:"paymentToken"`
	PaymentMethodDetails  *methodDetailsIn `json:"paymentMethodDetails"`
	Processor             *processorIn     `json:"processor"`
	Error                 *errorIn         `json:"error"`
	RequestStatus         string           `json:"requestStatus"` // token endpoints
}

type orderResponse struct {
	OrderID      string       `json:"orderId"`
	Transactions []txResponse `json:"transactions"`
}

type amountIn struct {
	Total    flexString `json:"total"`
	Currency string     `json:"currency"`
}

type tokenIn struct {
	Value string `json:"value"`
	Last4 string `json:"last4"`
	Brand string `json:"brand"`
}

type methodDetailsIn struct {
	PaymentCard *struct {
		ExpiryDate *struct {
			Month flexString `json:"month"`
			Year  flexString `json:"year"`
		} `json:"expiryDate"`
		Last4 string `json:"last4"`
		Brand string `json:"brand"`
	} `json:"paymentCard"`
	PaymentMethodBrand string `json:"paymentMethodBrand"`
}

type processorIn struct {
	ResponseCode      string `json:"responseCode"`
	ResponseMessage   string `json:"responseMessage"`
	AuthorizationCode string `json:"authorizationCode"`
}

type errorIn struct {
	Code    flexString `json:"code"`
	Message string     `json:"message"`
	Details []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"details"`
}

// flexString reads a JSON string or number as its text.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}
