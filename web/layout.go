package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var staticFS embed.FS

// staticHandler serves the embedded assets (htmx, CSS, the small app script)
// under /admin/static/, with a day of caching and no directory listings.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/admin/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/admin/static/" || r.URL.Path[len(r.URL.Path)-1] == '/' {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// navItem is one entry of the main navigation.
type navItem struct {
	Key   string // active-page key and catalog key "nav.<Key>"
	Href  string
	Label string
}

// NavItems lists the navigation entries the signed-in user may use; pages
// that do not exist yet are left out.
func (v *view) NavItems() []navItem {
	items := []navItem{
		{Key: "dashboard", Href: "/admin/"},
		{Key: "stations", Href: "/admin/stations"},
	}
	if v.IsAdmin {
		items = append(items,
			navItem{Key: "users", Href: "/admin/users"},
			navItem{Key: "apikeys", Href: "/admin/api-keys"},
			navItem{Key: "webhooks", Href: "/admin/webhooks"},
			navItem{Key: "settings", Href: "/admin/settings"})
	}
	for i := range items {
		items[i].Label = v.T("nav." + items[i].Key)
	}
	return items
}

// OtherLang is the language the switch offers.
func (v *view) OtherLang() string {
	if v.Lang == "en" {
		return "de"
	}
	return "en"
}
