// Package idempotency is Stripe-style request idempotency for the booking
// API: the stored answer to a request made with an Idempotency-Key, the
// rules for replaying it, and the store that keeps keys.
package idempotency

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/errs"
)

// TTL is how long a stored answer is replayed for its key.
const TTL = 24 * time.Hour

// Response is the stored answer to a request made with an Idempotency-Key.
type Response struct {
	StatusCode  int
	ContentType string
	Body        []byte
}

// Errors of Store.BeginIdempotent, following Stripe's rules.
var (
	// ErrMismatch: the key was used with another request body, method or
	// path (KindInvalid → 422).
	ErrMismatch = errs.New(errs.KindInvalid, "idempotency_key_reused")
	// ErrInProgress: a request with the key is being processed right now
	// (KindConflict → 409).
	ErrInProgress = errs.Conflict("idempotency_key_in_use")
)

// Store keeps Idempotency-Key records of the API client in ctx.
type Store interface {
	// BeginIdempotent claims key before a request is processed. It returns
	// a stored answer to replay when the same request (method, path,
	// requestHash) was already answered within TTL; nil when the caller now
	// holds the key and must process the request and then call
	// FinishIdempotent (or ReleaseIdempotent). Errors: ErrInProgress,
	// ErrMismatch. A lock that expired (its process died) is taken over.
	// first reports that the key was not held (none of the API client's
	// requests within TTL used it, or the last one was released): no
	// earlier attempt of this request can have begun its work.
	BeginIdempotent(ctx context.Context, key, method, path, requestHash string, lock time.Duration) (replay *Response, first bool, err error)
	// FinishIdempotent stores the answer for the key the caller holds.
	// (An answer may instead be stored in the transaction of the work it
	// answers, with no FinishIdempotent: invoice.IssueRequest.Answer.)
	FinishIdempotent(ctx context.Context, key string, r Response) error
	// ReleaseIdempotent frees the key without an answer (nothing was done).
	ReleaseIdempotent(ctx context.Context, key string) error
	// UnlockIdempotent ends the caller's lock on the key without storing an
	// answer: the request did not come to an outcome (an unexpected or
	// infrastructure error), so a retry with the same request may run at
	// once and resume what the first one began (a different request with
	// the key is still refused).
	UnlockIdempotent(ctx context.Context, key string) error
}

// Outcome reports whether an answer with this status is the outcome of
// the operation, to be stored and replayed: every answer except an error of
// the server or its infrastructure (5xx), which says nothing about the
// outcome; and except conflictCode "booking_busy" (another process works on
// what the request created: it is still in progress).
func Outcome(status int, conflictCode string) bool {
	return status < 500 && conflictCode != "booking_busy"
}
