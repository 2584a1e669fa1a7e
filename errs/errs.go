// Package errs defines the error kinds shared by every Mietwerk capability.
//
// An *Error carries a Kind (what went wrong, mapped to an HTTP status in one
// place by the HTTP layers), a user-safe Message (shown to the person or API
// client as it is), optional field errors (one per invalid input field), and
// the internal cause, which is logged but never shown.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error for callers and transports.
type Kind string

// The kinds of error. KindInternal is the zero-knowledge default for errors
// that carry no kind: they are logged and answered generically.
const (
	KindInvalid        Kind = "invalid"
	KindNotFound       Kind = "not_found"
	KindConflict       Kind = "conflict"
	KindUnauthorized   Kind = "unauthorized"
	KindForbidden      Kind = "forbidden"
	KindPaymentDecline Kind = "payment_declined"
	KindUnavailable    Kind = "unavailable"
	KindRateLimited    Kind = "rate_limited"
	KindInternal       Kind = "internal"
)

// FieldError names one invalid input field and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the error type every service returns for expected failures.
type Error struct {
	Kind    Kind
	Message string       // user-safe, in the language of the code (English); UIs translate by Code
	Code    string       // optional stable machine code, e.g. "vehicle_overlap"
	Fields  []FieldError // for KindInvalid
	Err     error        // internal cause; never shown to users
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Kind))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an *Error of kind k with a user-safe message.
func E(k Kind, msg string) *Error { return &Error{Kind: k, Message: msg} }

// Wrap builds an *Error of kind k with a user-safe message and an internal cause.
func Wrap(k Kind, msg string, cause error) *Error { return &Error{Kind: k, Message: msg, Err: cause} }

// Invalid returns a KindInvalid error listing every invalid field.
func Invalid(msg string, fields ...FieldError) *Error {
	return &Error{Kind: KindInvalid, Message: msg, Fields: fields}
}

// NotFound returns a KindNotFound error for the named thing ("vehicle", "station").
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Message: what + " not found", Code: strings.ReplaceAll(what, " ", "_") + "_not_found"}
}

// Conflict returns a KindConflict error with a stable code.
func Conflict(code, msg string) *Error { return &Error{Kind: KindConflict, Code: code, Message: msg} }

// Forbidden returns a KindForbidden error.
func Forbidden(msg string) *Error { return &Error{Kind: KindForbidden, Message: msg} }

// Unauthorized returns a KindUnauthorized error.
func Unauthorized(msg string) *Error { return &Error{Kind: KindUnauthorized, Message: msg} }

// WithCode sets the stable machine code and returns e.
func (e *Error) WithCode(code string) *Error { e.Code = code; return e }

// KindOf returns the kind of the first *Error in err's chain, or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Is reports whether err carries kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Fields collects field errors and turns them into one KindInvalid error.
type Fields []FieldError

// Add records that field is invalid.
func (f *Fields) Add(field, msg string) { *f = append(*f, FieldError{Field: field, Message: msg}) }

// Addf records that field is invalid with a formatted message.
func (f *Fields) Addf(field, format string, a ...any) { f.Add(field, fmt.Sprintf(format, a...)) }

// Has reports whether field already has an error.
func (f Fields) Has(field string) bool {
	for _, e := range f {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when no field is invalid, else a KindInvalid error with all of them.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid("some fields are invalid", f...)
}
