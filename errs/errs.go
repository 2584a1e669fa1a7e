// Package errs defines the error kinds shared by every Mietwerk capability.
//
// An *Error carries a Kind (what went wrong, mapped to an HTTP status in one
// place by the HTTP layers), a Code that is a key of the message catalog
// (package locale) with its parameters, optional field errors (each with its
// own code), and the internal cause, which is logged but never shown. The
// person reads the catalog text of the code in their language (Text); the
// English Message is only for logs and for errors not yet given a code.
//
// A domain package raises errors like this:
//
//	var f errs.Fields
//	f.Add("postal_code", "address.postal_code_digits")
//	f.Add("amount", "contract.at_most_open", locale.Params{"max": locale.Money(open)})
//	if err := f.Err(); err != nil { return err }
//	return errs.New(errs.KindConflict, "vehicle_overlap")
package errs

import (
	"errors"
	"fmt"
	"strings"

	"mietwerk.dev/mietwerk/locale"
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
	// KindUnsupportedMedia: the request body is in a format the operation
	// does not take (e.g. not application/json).
	KindUnsupportedMedia Kind = "unsupported_media_type"
	KindInternal         Kind = "internal"
)

// FieldError names one invalid input field and says what is wrong with it:
// Code is the catalog key of the message, Params its parameters. Message is
// the English text (for logs; the API answers it in the reader's language).
type FieldError struct {
	Field   string        `json:"field"`
	Code    locale.Key    `json:"code,omitempty"`
	Message string        `json:"message"`
	Params  locale.Params `json:"-"`
}

// Field returns the field error of field with the catalog message code and
// its parameters.
func Field(field string, code locale.Key, p ...locale.Params) FieldError {
	params := merge(p)
	return FieldError{Field: field, Code: code, Params: params, Message: locale.English.T(code, params)}
}

// Text returns the message of f in language l: the catalog text of its
// code, or, for a field error without one (from outside, e.g. the payment
// gateway's), its message as given.
func (f FieldError) Text(l locale.Lang) string {
	if f.Code != "" && locale.Has(f.Code) {
		return l.T(f.Code, f.Params)
	}
	if f.Message != "" {
		return f.Message
	}
	return l.T("field.invalid")
}

// Error is the error type every service returns for expected failures.
type Error struct {
	Kind    Kind
	Code    locale.Key    // stable code and catalog key of the message, e.g. "vehicle_overlap"
	Params  locale.Params // parameters of the message
	Message string        // the English text of Code, for logs
	Fields  []FieldError  // for KindInvalid
	Err     error         // internal cause; never shown to users
}

// New builds an *Error of kind k whose message is the catalog text of code
// with its parameters.
func New(k Kind, code locale.Key, p ...locale.Params) *Error {
	params := merge(p)
	return &Error{Kind: k, Code: code, Params: params, Message: locale.English.T(code, params)}
}

// Text returns the user-facing message of e in language l: the catalog
// text of its code, else the generic text of its kind.
func (e *Error) Text(l locale.Lang) string {
	if e.Code != "" && locale.Has(e.Code) {
		return l.T(e.Code, e.Params)
	}
	return l.T(KindKey(e.Kind))
}

// KindKey is the catalog key of the generic message of kind k
// ("error.conflict"); the key "error.<kind>.title" is its short title.
func KindKey(k Kind) locale.Key {
	switch k {
	case KindInvalid, KindNotFound, KindConflict, KindUnauthorized, KindForbidden,
		KindPaymentDecline, KindUnavailable, KindRateLimited, KindUnsupportedMedia:
		return locale.Key("error." + string(k))
	}
	return "error.internal"
}

// Text returns the message a person may read about err in language l: the
// text of its *Error, or the generic text for internal errors, whose cause
// must be logged, never shown.
func Text(l locale.Lang, err error) string {
	if e, ok := As(err); ok && e.Kind != KindInternal {
		return e.Text(l)
	}
	return l.T("error.internal")
}

// Localize returns the field errors of err with each Message in language l,
// in the order given (nil when err has none).
func Localize(l locale.Lang, fields []FieldError) []FieldError {
	if len(fields) == 0 {
		return nil
	}
	out := make([]FieldError, len(fields))
	for i, f := range fields {
		out[i] = f
		out[i].Message = f.Text(l)
	}
	return out
}

func merge(p []locale.Params) locale.Params {
	switch len(p) {
	case 0:
		return nil
	case 1:
		return p[0]
	}
	out := locale.Params{}
	for _, m := range p {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
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

// Wrap builds an *Error of kind k with the catalog message code and an
// internal cause (logged, never shown).
func Wrap(k Kind, code locale.Key, cause error, p ...locale.Params) *Error {
	e := New(k, code, p...)
	e.Err = cause
	return e
}

// Invalid returns a KindInvalid error with the summary message code and
// every invalid field.
func Invalid(code locale.Key, fields ...FieldError) *Error {
	e := New(KindInvalid, code)
	e.Fields = fields
	return e
}

// NotFound returns a KindNotFound error whose code names what was not
// found ("vehicle_not_found").
func NotFound(code locale.Key) *Error { return New(KindNotFound, code) }

// Conflict returns a KindConflict error with the message code and its parameters.
func Conflict(code locale.Key, p ...locale.Params) *Error { return New(KindConflict, code, p...) }

// Forbidden returns a KindForbidden error with the message code.
func Forbidden(code locale.Key) *Error { return New(KindForbidden, code) }

// Unauthorized returns a KindUnauthorized error with the message code.
func Unauthorized(code locale.Key) *Error { return New(KindUnauthorized, code) }

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

// Add records that field is invalid with the catalog message code and its
// parameters.
func (f *Fields) Add(field string, code locale.Key, p ...locale.Params) {
	*f = append(*f, Field(field, code, p...))
}

// Merge adds the field errors of err (if it is an *Error), each field name
// prefixed with prefix ("damages.0."), keeping their codes and parameters.
func (f *Fields) Merge(prefix string, err error) {
	if e, ok := As(err); ok {
		for _, fe := range e.Fields {
			fe.Field = prefix + fe.Field
			*f = append(*f, fe)
		}
	}
}

// AddFrom adds the field errors of err as errors of field, keeping their
// codes and parameters: a checker of one value reports under its own field
// name, the caller under the form's. An error without field errors becomes
// "field.invalid"; nil adds nothing.
func (f *Fields) AddFrom(field string, err error) {
	if err == nil {
		return
	}
	if e, ok := As(err); ok && len(e.Fields) > 0 {
		for _, fe := range e.Fields {
			fe.Field = field
			*f = append(*f, fe)
		}
		return
	}
	f.Add(field, "field.invalid")
}

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
	return Invalid("error.fields_invalid", f...)
}
