package document

import "time"

// TripLogDoc is the trip log (Fahrtenbuch) of a red dealer plate for one
// month, as the authority asks for it (§ 16 Abs. 2 FZV): one row per trip
// with date, car (make/model, VIN), driver (name, address), start and end,
// km at start and end, and purpose. The texts come formatted in Lang.
type TripLogDoc struct {
	Lang     Lang
	Location *time.Location // nil means UTC
	Branding Branding
	Created  time.Time
	Title    string
	// Facts are label/value rows under the title (plate, keeper, month).
	Facts [][2]string
	// Columns are the eight column headings; Rows the trips, eight cells each.
	Columns [8]string
	Rows    [][8]string
	// Empty is printed when there are no rows.
	Empty string
}
