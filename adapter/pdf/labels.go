package pdf

import (
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/locale"
)

// labels gives the fixed texts of the documents in one language: the
// catalog's "pdf.<key>" texts.
type labels struct{ lang locale.Lang }

// labelsFor returns the labels of l (German unless l is English).
func labelsFor(l document.Lang) labels { return labels{l.Or()} }

// get returns the text of "pdf.<key>" with its positional parameters.
func (ls labels) get(key string, args ...any) string {
	return ls.lang.T(locale.Key("pdf."+key), args...)
}
