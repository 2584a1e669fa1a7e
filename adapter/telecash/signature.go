package telecash

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// Sign returns the Message-Signature header value the adapter sends
// (variant A): Base64(HMAC-SHA256(apiSecret, apiKey+clientRequestID+timestamp+body)),
// standard alphabet with padding. timestamp is the decimal epoch-millisecond
// string sent in the Timestamp header and body the exact bytes sent (empty
// for GET and DELETE).
func Sign(apiKey, apiSecret, clientRequestID, timestamp string, body []byte) string {
	return base64.StdEncoding.EncodeToString(digest(apiKey, apiSecret, clientRequestID, timestamp, body))
}

// SignHex returns the variant-B signature some vendor SDKs send:
// Base64 of the lowercase hexadecimal HMAC digest. The adapter never sends
// it; it exists for tests and for checking what a gateway accepts.
func SignHex(apiKey, apiSecret, clientRequestID, timestamp string, body []byte) string {
	return base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(digest(apiKey, apiSecret, clientRequestID, timestamp, body))))
}

func digest(apiKey, apiSecret, clientRequestID, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(apiSecret))
	m.Write([]byte(apiKey))
	m.Write([]byte(clientRequestID))
	m.Write([]byte(timestamp))
	m.Write(body)
	return m.Sum(nil)
}
