package api

import (
	_ "embed"
	"html/template"
	"net/http"
)

//go:embed static/booking.html
var demoHTML string

//go:embed static/booking.js
var demoJSSrc []byte

var demoTmpl = template.Must(template.New("demo").Parse(demoHTML))

// demoPage serves the example integration: a dealer's booking form that
// calls the API from the browser (same origin).
func (s *server) demoPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = demoTmpl.Execute(w, struct{ Key string }{s.d.DemoAPIKey})
}

func (s *server) demoJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	_, _ = w.Write(demoJSSrc)
}
