package fleet

import (
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Check normalizes c (code upper-case, names trimmed) and returns a
// KindInvalid error naming every invalid field.
func (c *Category) Check() error {
	c.Code = strings.ToUpper(strings.TrimSpace(c.Code))
	c.NameDE, c.NameEN = strings.TrimSpace(c.NameDE), strings.TrimSpace(c.NameEN)
	var f errs.Fields
	if c.Code == "" {
		f.Add("code", "category.code_required")
	} else if len(c.Code) > 8 || strings.ContainsFunc(c.Code, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) {
		f.Add("code", "category.code_format")
	}
	if c.NameDE == "" {
		f.Add("name_de", "category.name_de_required")
	}
	if c.Transmission != "manual" && c.Transmission != "automatic" {
		f.Add("transmission", "category.transmission_choose")
	}
	if c.Seats < 1 || c.Seats > 9 {
		f.Add("seats", "field.between", locale.Params{"min": 1, "max": 9})
	}
	if c.Doors < 2 || c.Doors > 5 {
		f.Add("doors", "field.between", locale.Params{"min": 2, "max": 5})
	}
	return f.Err()
}
