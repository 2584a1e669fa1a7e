// Package httpx holds what the API and the admin web share over HTTP: the one
// table from error kinds to HTTP statuses, request ids, logging, metrics and
// recovery middleware.
package httpx

import (
	"context"
	"net/http"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// statusOf is the one table mapping error kinds to HTTP statuses.
var statusOf = map[errs.Kind]int{
	errs.KindInvalid:          http.StatusUnprocessableEntity,
	errs.KindNotFound:         http.StatusNotFound,
	errs.KindConflict:         http.StatusConflict,
	errs.KindUnauthorized:     http.StatusUnauthorized,
	errs.KindForbidden:        http.StatusForbidden,
	errs.KindPaymentDecline:   http.StatusPaymentRequired,
	errs.KindUnavailable:      http.StatusServiceUnavailable,
	errs.KindRateLimited:      http.StatusTooManyRequests,
	errs.KindUnsupportedMedia: http.StatusUnsupportedMediaType,
	errs.KindInternal:         http.StatusInternalServerError,
}

// Status returns the HTTP status for err's kind (500 for errors without a kind).
func Status(err error) int {
	if s, ok := statusOf[errs.KindOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// RetryAfterSeconds is what a 503 answer tells clients to wait (the
// Retry-After header) before they try again.
const RetryAfterSeconds = "30"

// SetRetryAfter sets Retry-After on a 503 answer that has none.
func SetRetryAfter(h http.Header, status int) {
	if status == http.StatusServiceUnavailable && h.Get("Retry-After") == "" {
		h.Set("Retry-After", RetryAfterSeconds)
	}
}

// PublicMessage returns the user-safe message of err in English, for logs
// and operators' probes (people read errs.Text in their language), or the
// generic one for internal errors (whose cause must be logged, never shown).
func PublicMessage(err error) string { return errs.Text(locale.English, err) }

type requestIDKey struct{}

// WithRequestID returns ctx carrying request id id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
