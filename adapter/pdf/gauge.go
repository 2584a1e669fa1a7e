package pdf

import (
	"math"

	"codeberg.org/go-pdf/fpdf"

	"mietwerk.dev/mietwerk/locale"
)

// drawFuelGauge draws a half-round fuel gauge with eight segments centred
// at (cx, cy) with radius r: the first eighths segments filled, a needle at
// the level, "0/8" and "8/8" at the ends and a caption below.
func drawFuelGauge(w *writer, cx, cy, r float64, eighths int, caption string) {
	f := w.f
	eighths = max(0, min(8, eighths))
	// filled segments as polygons approximating the ring sectors
	for i := 0; i < 8; i++ {
		a0 := math.Pi - float64(i)*math.Pi/8
		a1 := math.Pi - float64(i+1)*math.Pi/8
		poly := ringSector(cx, cy, r*0.62, r, a0, a1)
		if i < eighths {
			f.SetFillColor(60, 140, 60)
		} else {
			f.SetFillColor(235, 235, 235)
		}
		f.SetDrawColor(90, 90, 90)
		f.SetLineWidth(0.2)
		f.Polygon(poly, "DF")
	}
	// needle
	a := math.Pi - float64(eighths)*math.Pi/8
	f.SetDrawColor(180, 20, 20)
	f.SetLineWidth(0.6)
	f.Line(cx, cy, cx+math.Cos(a)*r*0.9, cy-math.Sin(a)*r*0.9)
	f.SetFillColor(40, 40, 40)
	f.Circle(cx, cy, 1, "F")
	f.SetLineWidth(0.2)
	f.SetDrawColor(0, 0, 0)

	w.font(false, smallSize)
	f.SetXY(cx-r-4, cy+0.5)
	w.cellFormat(8, 3, "0/8", "", 0, "C", false, 0, "")
	f.SetXY(cx+r-4, cy+0.5)
	w.cellFormat(8, 3, "8/8", "", 0, "C", false, 0, "")
	w.font(true, bodySize)
	f.SetXY(cx-r, cy+3.5)
	w.cellFormat(2*r, 4.5, caption+": "+locale.Fuel(eighths), "", 0, "C", false, 0, "")
	w.font(false, bodySize)
}

// ringSector returns the outline of the ring between radii ri and ro from
// angle a0 to a1 (radians, counter-clockwise from 3 o'clock, y up).
func ringSector(cx, cy, ri, ro, a0, a1 float64) []fpdfPoint {
	const steps = 6
	var pts []fpdfPoint
	for s := 0; s <= steps; s++ {
		a := a0 + (a1-a0)*float64(s)/steps
		pts = append(pts, fpdfPoint{X: cx + math.Cos(a)*ro, Y: cy - math.Sin(a)*ro})
	}
	for s := steps; s >= 0; s-- {
		a := a0 + (a1-a0)*float64(s)/steps
		pts = append(pts, fpdfPoint{X: cx + math.Cos(a)*ri, Y: cy - math.Sin(a)*ri})
	}
	return pts
}

type fpdfPoint = fpdf.PointType
