package fleet

import (
	"strings"

	"mietwerk.dev/mietwerk/errs"
)

// Check normalizes c (code upper-case, names trimmed) and returns a
// KindInvalid error naming every invalid field.
func (c *Category) Check() error {
	c.Code = strings.ToUpper(strings.TrimSpace(c.Code))
	c.NameDE, c.NameEN = strings.TrimSpace(c.NameDE), strings.TrimSpace(c.NameEN)
	var f errs.Fields
	if c.Code == "" {
		f.Add("code", "enter a code such as CDMR")
	} else if len(c.Code) > 8 || strings.ContainsFunc(c.Code, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) {
		f.Add("code", "use up to 8 capital letters or digits, e.g. CDMR")
	}
	if c.NameDE == "" {
		f.Add("name_de", "enter a German name")
	}
	if c.Transmission != "manual" && c.Transmission != "automatic" {
		f.Add("transmission", "choose manual or automatic")
	}
	if c.Seats < 1 || c.Seats > 9 {
		f.Add("seats", "between 1 and 9")
	}
	if c.Doors < 2 || c.Doors > 5 {
		f.Add("doors", "between 2 and 5")
	}
	return f.Err()
}
