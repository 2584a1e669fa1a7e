package errs

import (
	"unicode"
	"unicode/utf8"

	"mietwerk.dev/mietwerk/locale"
)

// Text rules: every text a person or an API client sends is checked by one
// of these before it is stored, printed or sent. A control character (NUL,
// escape, bell, …; U+0000–U+001F, U+007F–U+009F) or a malformed byte
// sequence could not be stored by PostgreSQL, breaks e-mail headers and
// documents, and is never typed on purpose: it is refused, not removed.

// Line adds a field error when v is not one line of at most max characters:
// besides control characters, a single-line field (a name, an address, a
// code) takes no line break, tab or line/paragraph separator either.
func (f *Fields) Line(field, v string, max int) {
	f.text(field, v, max, false)
}

// Limit is a single-line text field with its longest length, for Lines.
type Limit struct {
	Field string
	Value string
	Max   int
}

// Limited is the Limit of field with value v and longest length max.
func Limited(field, v string, max int) Limit { return Limit{Field: field, Value: v, Max: max} }

// Lines checks every l as Line does, each field prefixed with prefix.
func (f *Fields) Lines(prefix string, ls ...Limit) {
	for _, l := range ls {
		f.Line(prefix+l.Field, l.Value, l.Max)
	}
}

// Text adds a field error when v (a free text such as notes, which may have
// several lines and tabs) has a control character other than line breaks
// and tabs, or more than max characters.
func (f *Fields) Text(field, v string, max int) {
	f.text(field, v, max, true)
}

func (f *Fields) text(field, v string, max int, multiline bool) {
	if f.Has(field) {
		return
	}
	switch {
	case BadText(v, multiline):
		if multiline {
			f.Add(field, "field.control_chars")
		} else {
			f.Add(field, "field.single_line")
		}
	case max > 0 && utf8.RuneCountInString(v) > max:
		f.Add(field, "field.too_long", locale.Params{"n": max})
	}
}

// BadText reports whether v is malformed UTF-8 or has a control character;
// a multi-line text may have line breaks and tabs, a single line may not
// (nor Unicode line and paragraph separators).
func BadText(v string, multiline bool) bool {
	if !utf8.ValidString(v) {
		return true
	}
	for _, r := range v {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			if !multiline {
				return true
			}
		case r == '\u2028' || r == '\u2029':
			if !multiline {
				return true
			}
		case unicode.IsControl(r):
			return true
		}
	}
	return false
}
