package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// RequestIDHeader is the header a request id is accepted from and echoed in.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds an accepted incoming request id.
const maxRequestIDLen = 64

// NewRequestID returns a random request id (32 hex characters).
func NewRequestID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// ValidRequestID reports whether an incoming request id is sane enough to
// reuse: 1–64 characters of letters, digits and "-_.:". Anything else (empty,
// too long, spaces, quotes, control characters that could forge log lines) is
// replaced by a fresh id.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// AssignRequestID gives every request an id: the incoming X-Request-Id when it
// is sane (ValidRequestID), else a new one. The id is put in the request
// context (read it with RequestID) and in the X-Request-Id response header
// before next runs, so every log line and every response carries it.
func AssignRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !ValidRequestID(id) {
			id = NewRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(WithRequestID(r.Context(), id)))
	})
}
