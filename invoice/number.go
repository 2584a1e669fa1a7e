package invoice

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Number patterns are literal text with placeholders in braces:
//
//	{YYYY}    four-digit year of the issue date
//	{YY}      two-digit year
//	{MM}      two-digit month (needs {YYYY} or {YY})
//	{STATION} the station code of a per-station series
//	{SEQ}     the sequence number, unpadded
//	{SEQ:n}   the sequence number zero-padded to n digits (1 ≤ n ≤ 12);
//	          longer numbers are never truncated
//
// Every pattern has exactly one {SEQ…}. Literal text may use letters, digits
// and - _ / . only. Example: "RE-{YYYY}-{SEQ:6}" → "RE-2026-000042".
const maxPatternLen = 64

type token struct {
	lit   string // literal text when name == ""
	name  string // YYYY, YY, MM, STATION, SEQ
	width int    // for SEQ
}

// ValidatePattern returns nil when pattern is a usable number pattern, else
// an errs.KindInvalid error on field "pattern" saying what is wrong.
func ValidatePattern(pattern string) error {
	_, err := parsePattern(pattern)
	return err
}

// Format returns the number for sequence seq issued at issued (in the
// location of issued, which callers set to the tenant's time zone). A
// {STATION} placeholder is left empty; use FormatStation for per-station
// series. Format assumes pattern passed ValidatePattern; an invalid pattern
// is returned with only the valid placeholders replaced.
func Format(pattern string, issued time.Time, seq int64) string {
	return FormatStation(pattern, "", issued, seq)
}

// FormatStation is Format with the code of the station whose series the
// number belongs to.
func FormatStation(pattern, station string, issued time.Time, seq int64) string {
	toks, _ := parsePattern(pattern)
	var b strings.Builder
	for _, t := range toks {
		switch t.name {
		case "":
			b.WriteString(t.lit)
		case "YYYY":
			fmt.Fprintf(&b, "%04d", issued.Year())
		case "YY":
			fmt.Fprintf(&b, "%02d", issued.Year()%100)
		case "MM":
			fmt.Fprintf(&b, "%02d", int(issued.Month()))
		case "STATION":
			b.WriteString(station)
		case "SEQ":
			fmt.Fprintf(&b, "%0*d", t.width, seq)
		}
	}
	return b.String()
}

// PeriodKey returns the counter period the pattern's numbers restart in for
// an issue time: "2026-03" when it contains {MM}, "2026" when it contains
// {YYYY} or {YY}, and "" when the series never restarts. Two numbers with
// the same pattern (and station) share a counter exactly when their period
// keys are equal.
func PeriodKey(pattern string, issued time.Time) string {
	toks, _ := parsePattern(pattern)
	var year, month bool
	for _, t := range toks {
		switch t.name {
		case "YYYY", "YY":
			year = true
		case "MM":
			month = true
		}
	}
	switch {
	case month:
		return fmt.Sprintf("%04d-%02d", issued.Year(), int(issued.Month()))
	case year:
		return fmt.Sprintf("%04d", issued.Year())
	}
	return ""
}

// parsePattern splits pattern into tokens; it returns the tokens it could
// read together with an error describing the first problem.
func parsePattern(pattern string) ([]token, error) {
	bad := func(code locale.Key, p ...locale.Params) error {
		return errs.Invalid("error.fields_invalid", errs.Field("pattern", code, p...))
	}
	var toks []token
	var firstErr error
	fail := func(code locale.Key, p ...locale.Params) {
		if firstErr == nil {
			firstErr = bad(code, p...)
		}
	}
	if strings.TrimSpace(pattern) == "" {
		return nil, bad("field.required")
	}
	if len(pattern) > maxPatternLen {
		fail("field.too_long", locale.Params{"n": maxPatternLen})
	}
	seqs, year, month := 0, false, false
	rest := pattern
	for rest != "" {
		open := strings.IndexByte(rest, '{')
		if open != 0 {
			lit := rest
			if open > 0 {
				lit = rest[:open]
			}
			for _, r := range lit {
				if !literalOK(r) {
					fail("pattern.char", locale.Params{"char": string(r)})
					break
				}
			}
			toks = append(toks, token{lit: lit})
			rest = rest[len(lit):]
			continue
		}
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			fail("pattern.unclosed")
			break
		}
		name := rest[1:end]
		rest = rest[end+1:]
		switch {
		case name == "YYYY" || name == "YY":
			year = true
			toks = append(toks, token{name: name})
		case name == "MM":
			month = true
			toks = append(toks, token{name: name})
		case name == "STATION":
			toks = append(toks, token{name: name})
		case name == "SEQ":
			seqs++
			toks = append(toks, token{name: "SEQ"})
		case strings.HasPrefix(name, "SEQ:"):
			seqs++
			w, err := strconv.Atoi(name[4:])
			if err != nil || w < 1 || w > 12 {
				fail("pattern.seq_width")
				w = 1
			}
			toks = append(toks, token{name: "SEQ", width: w})
		default:
			fail("pattern.placeholder_unknown", locale.Params{"name": "{" + name + "}"})
		}
	}
	if seqs != 1 {
		fail("pattern.seq_count")
	}
	if month && !year {
		fail("pattern.month_needs_year")
	}
	return toks, firstErr
}

func literalOK(r rune) bool {
	switch {
	case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		return true
	case r == '-' || r == '_' || r == '/' || r == '.':
		return true
	}
	return false
}
