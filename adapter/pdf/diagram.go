package pdf

import (
	"strconv"

	"mietwerk.dev/mietwerk/document"
)

// box is a rectangle on the page in millimetres; at maps relative
// coordinates (0…1 across, 0…1 down) into it, mirrored when flip is set.
type box struct {
	x, y, w, h float64
	flip       bool
}

func (b box) at(u, v float64) (float64, float64) {
	if b.flip {
		u = 1 - u
	}
	return b.x + u*b.w, b.y + v*b.h
}

// pen draws paths in relative box coordinates.
type pen struct {
	w *writer
	b box
}

func (p pen) move(u, v float64) { x, y := p.b.at(u, v); p.w.f.MoveTo(x, y) }
func (p pen) line(u, v float64) { x, y := p.b.at(u, v); p.w.f.LineTo(x, y) }
func (p pen) curve(u0, v0, u1, v1, u, v float64) {
	x0, y0 := p.b.at(u0, v0)
	x1, y1 := p.b.at(u1, v1)
	x, y := p.b.at(u, v)
	p.w.f.CurveBezierCubicTo(x0, y0, x1, y1, x, y)
}
func (p pen) stroke() { p.w.f.ClosePath(); p.w.f.DrawPath("D") }
func (p pen) open()   { p.w.f.DrawPath("D") }
func (p pen) seg(u0, v0, u1, v1 float64) {
	x0, y0 := p.b.at(u0, v0)
	x1, y1 := p.b.at(u1, v1)
	p.w.f.Line(x0, y0, x1, y1)
}
func (p pen) rect(u0, v0, u1, v1 float64) {
	p.move(u0, v0)
	p.line(u1, v0)
	p.line(u1, v1)
	p.line(u0, v1)
	p.stroke()
}

// drawTop draws the car from above, front to the right.
func drawTop(p pen) {
	p.move(0.12, 0.15)
	p.line(0.80, 0.15)
	p.curve(0.92, 0.15, 0.97, 0.30, 0.97, 0.50)
	p.curve(0.97, 0.70, 0.92, 0.85, 0.80, 0.85)
	p.line(0.12, 0.85)
	p.curve(0.06, 0.85, 0.03, 0.70, 0.03, 0.50)
	p.curve(0.03, 0.30, 0.06, 0.15, 0.12, 0.15)
	p.stroke()
	// windscreen, rear window, roof edges
	p.move(0.62, 0.24)
	p.curve(0.68, 0.35, 0.68, 0.65, 0.62, 0.76)
	p.open()
	p.move(0.26, 0.26)
	p.curve(0.22, 0.40, 0.22, 0.60, 0.26, 0.74)
	p.open()
	p.seg(0.30, 0.25, 0.58, 0.25)
	p.seg(0.30, 0.75, 0.58, 0.75)
	// wheels and mirrors
	for _, u := range []float64{0.18, 0.70} {
		p.rect(u, 0.08, u+0.12, 0.15)
		p.rect(u, 0.85, u+0.12, 0.92)
	}
	p.seg(0.60, 0.15, 0.57, 0.06)
	p.seg(0.60, 0.85, 0.57, 0.94)
}

// drawSide draws the car from the side, front to the right (flip the box
// for the left side, where the front is on the left).
func drawSide(p pen) {
	p.move(0.04, 0.75)
	p.line(0.04, 0.55)
	p.curve(0.04, 0.48, 0.08, 0.45, 0.15, 0.44)
	p.line(0.28, 0.42)
	p.curve(0.33, 0.30, 0.37, 0.20, 0.42, 0.18)
	p.line(0.62, 0.18)
	p.line(0.75, 0.42)
	p.line(0.92, 0.47)
	p.curve(0.96, 0.49, 0.97, 0.55, 0.97, 0.62)
	p.line(0.97, 0.75)
	p.line(0.87, 0.75)
	p.curve(0.87, 0.56, 0.67, 0.56, 0.67, 0.75)
	p.line(0.33, 0.75)
	p.curve(0.33, 0.56, 0.13, 0.56, 0.13, 0.75)
	p.stroke()
	// windows and door line
	p.move(0.32, 0.42)
	p.line(0.43, 0.23)
	p.line(0.61, 0.23)
	p.line(0.71, 0.42)
	p.stroke()
	p.seg(0.52, 0.23, 0.52, 0.72)
	// wheels
	for _, u := range []float64{0.23, 0.77} {
		x, y := p.b.at(u, 0.76)
		p.w.f.Circle(x, y, p.b.h*0.14, "D")
		p.w.f.Circle(x, y, p.b.h*0.06, "D")
	}
}

// drawEnd draws the car from the front or rear.
func drawEnd(p pen, front bool) {
	p.move(0.30, 0.12)
	p.line(0.70, 0.12)
	p.line(0.85, 0.45)
	p.line(0.92, 0.50)
	p.line(0.92, 0.82)
	p.line(0.08, 0.82)
	p.line(0.08, 0.50)
	p.line(0.15, 0.45)
	p.stroke()
	p.move(0.32, 0.17)
	p.line(0.68, 0.17)
	p.line(0.80, 0.42)
	p.line(0.20, 0.42)
	p.stroke()
	p.rect(0.12, 0.82, 0.26, 0.93)
	p.rect(0.74, 0.82, 0.88, 0.93)
	if front {
		p.rect(0.38, 0.58, 0.62, 0.70)
		for _, u := range []float64{0.20, 0.80} {
			x, y := p.b.at(u, 0.60)
			p.w.f.Ellipse(x, y, p.b.w*0.07, p.b.h*0.04, 0, "D")
		}
	} else {
		p.rect(0.36, 0.62, 0.64, 0.72)
		p.rect(0.12, 0.54, 0.26, 0.62)
		p.rect(0.74, 0.54, 0.88, 0.62)
	}
}

// diagramLayout places the five views on the page, below y.
func diagramLayout(y float64) map[document.View]box {
	return map[document.View]box{
		document.ViewTop:   {x: marginL, y: y, w: 82, h: 40},
		document.ViewLeft:  {x: marginL + 88, y: y, w: 82, h: 40, flip: true},
		document.ViewRight: {x: marginL, y: y + 47, w: 82, h: 36},
		document.ViewFront: {x: marginL + 88, y: y + 47, w: 39, h: 36},
		document.ViewRear:  {x: marginL + 131, y: y + 47, w: 39, h: 36},
	}
}

const diagramHeight = 47 + 36 + 6

// drawDiagram draws the five views with their captions and a numbered
// marker at each damage (red: new, grey: existing), starting at the
// current y, and moves below it.
func drawDiagram(w *writer, damages []document.Damage) {
	w.ensure(diagramHeight)
	f := w.f
	top := f.GetY()
	layout := diagramLayout(top + 4)
	f.SetLineWidth(0.3)
	for _, v := range document.Views {
		b := layout[v]
		f.SetDrawColor(200, 200, 200)
		f.Rect(b.x, b.y, b.w, b.h, "D")
		f.SetDrawColor(40, 40, 40)
		p := pen{w: w, b: b}
		switch v {
		case document.ViewTop:
			drawTop(p)
		case document.ViewLeft, document.ViewRight:
			drawSide(p)
		case document.ViewFront:
			drawEnd(p, true)
		case document.ViewRear:
			drawEnd(p, false)
		}
		w.font(false, smallSize)
		f.SetXY(b.x, b.y-3.5)
		w.cellFormat(b.w, 3.5, w.l.get(string(v)), "", 0, "L", false, 0, "")
	}
	for i, d := range damages {
		b, ok := layout[d.View]
		if !ok {
			continue
		}
		// positions are of the drawn view as seen, so no flip here
		x := b.x + clampPct(d.XPercent)/100*b.w
		y := b.y + clampPct(d.YPercent)/100*b.h
		if d.New {
			f.SetFillColor(200, 30, 30)
		} else {
			f.SetFillColor(110, 110, 110)
		}
		f.Circle(x, y, 2.3, "F")
		f.SetTextColor(255, 255, 255)
		w.font(true, 6.5)
		f.SetXY(x-2.3, y-1.6)
		w.cellFormat(4.6, 3.2, strconv.Itoa(i+1), "", 0, "C", false, 0, "")
		f.SetTextColor(0, 0, 0)
	}
	f.SetLineWidth(0.2)
	w.font(false, bodySize)
	f.SetXY(marginL, top+diagramHeight)
}

func clampPct(v float64) float64 {
	switch {
	case v < 0 || v != v:
		return 0
	case v > 100:
		return 100
	}
	return v
}
