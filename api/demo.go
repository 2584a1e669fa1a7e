package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"mietwerk.dev/mietwerk/locale"
)

//go:embed static/dealer.html
var dealerHTML string

//go:embed static/widget.js
var widgetSrc []byte

var dealerTmpl = template.Must(template.New("dealer").Parse(dealerHTML))

// demoPage serves a sample dealer page that embeds the booking widget with
// the demo tenant's public key, in German or English (?lang=en).
func (s *server) demoPage(w http.ResponseWriter, r *http.Request) {
	l, _ := locale.Parse(r.URL.Query().Get("lang"))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = dealerTmpl.Execute(w, struct{ Key, Lang string }{s.d.DemoAPIKey, string(l)})
}

// widgetJS is the widget's script with its texts from the catalog (every
// key under "widget.", German and English) in place of /*TEXTS*/ {}.
var widgetJS = sync.OnceValue(func() []byte {
	texts := map[locale.Lang]map[locale.Key]any{}
	for _, l := range locale.Langs {
		texts[l] = map[locale.Key]any{}
		for _, k := range locale.Default().Keys(l) {
			if !strings.HasPrefix(string(k), "widget.") {
				continue
			}
			t, _ := locale.Default().Lookup(l, k)
			if t.One != "" {
				texts[l][k] = map[string]string{"one": t.One, "other": t.Other}
			} else {
				texts[l][k] = t.Other
			}
		}
	}
	b, err := json.Marshal(texts) // escapes <, > and & so no text can end the script
	if err != nil {
		panic(err)
	}
	return bytes.Replace(widgetSrc, []byte("/*TEXTS*/ {}"), b, 1)
})

// widget serves the embeddable booking widget (any origin may load it; its
// API calls need the origin in --api-cors-origins).
func (s *server) widget(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(widgetJS())
}
