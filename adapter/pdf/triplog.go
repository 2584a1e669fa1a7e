package pdf

import (
	"context"

	"mietwerk.dev/mietwerk/document"
)

// tripCols are the widths of the trip log's eight columns (mm, 170 in all):
// date, car, driver, start, end, km start, km end, purpose.
var tripCols = [8]float64{19, 36, 24, 13, 13, 17, 17, 31}

// TripLog renders the monthly trip log of a red dealer plate: title,
// facts, one table row per trip (cells wrap), or the Empty line.
func (r *Renderer) TripLog(ctx context.Context, d document.TripLogDoc) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return render(d.Lang, d.Created, d.Branding, d.Title, func(w *writer) {
		w.logo()
		w.f.SetY(marginT + 22)
		w.title(d.Title)
		w.kv(marginL, 40, contentW-40, d.Facts...)
		w.f.Ln(3)
		row := func(cells [8]string, bold bool) {
			// the table in the small size: eight columns on a portrait page
			w.font(bold, smallSize)
			h := smallLineH
			for i, c := range cells {
				if n := w.lines(c, tripCols[i]-1); float64(n)*smallLineH > h {
					h = float64(n) * smallLineH
				}
			}
			w.ensure(h + 1)
			y, x := w.f.GetY(), marginL
			for i, c := range cells {
				align := "L"
				if i == 5 || i == 6 {
					align = "R"
				}
				w.f.SetXY(x, y)
				w.multiCell(tripCols[i]-1, smallLineH, c, "", align, false)
				x += tripCols[i]
			}
			w.f.SetXY(marginL, y+h+0.5)
			w.f.SetDrawColor(190, 190, 190)
			w.f.SetLineWidth(0.2)
			w.f.Line(marginL, y+h+0.5, marginL+contentW, y+h+0.5)
			w.f.SetY(y + h + 1)
			w.font(false, bodySize)
		}
		row(d.Columns, true)
		for _, r := range d.Rows {
			row(r, false)
		}
		if len(d.Rows) == 0 {
			w.para(d.Empty)
		}
	})
}
