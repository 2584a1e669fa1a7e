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

// NavItems lists the daily work pages of the main navigation, in the order
// of a counter's day.
func (v *view) NavItems() []navItem {
	return v.labelled([]navItem{
		{Key: "dashboard", Href: "/admin/"},
		{Key: "planning", Href: "/admin/planning"},
		{Key: "reservations", Href: "/admin/reservations"},
		{Key: "contracts", Href: "/admin/contracts"},
		{Key: "vehicles", Href: "/admin/vehicles"},
		{Key: "customers", Href: "/admin/customers"},
		{Key: "invoices", Href: "/admin/invoices"},
		{Key: "reports", Href: "/admin/reports"},
	})
}

// AdminNavItems lists the setup pages of the "Verwaltung" menu the
// signed-in user may use.
func (v *view) AdminNavItems() []navItem {
	items := []navItem{{Key: "stations", Href: "/admin/stations"}}
	if v.IsAdmin {
		items = append(items, navItem{Key: "categories", Href: "/admin/categories"}, navItem{Key: "payers", Href: "/admin/payers"})
	}
	items = append(items, navItem{Key: "tariffs", Href: "/admin/tariffs"}, navItem{Key: "payer_items", Href: "/admin/payer-open-items"},
		navItem{Key: "emails", Href: "/admin/emails"})
	if v.HasPlates {
		items = append(items, navItem{Key: "dealer_plates", Href: "/admin/dealer-plates"})
	}
	if v.IsAdmin {
		items = append(items,
			navItem{Key: "users", Href: "/admin/users"},
			navItem{Key: "apikeys", Href: "/admin/api-keys"},
			navItem{Key: "webhooks", Href: "/admin/webhooks"},
			navItem{Key: "settings", Href: "/admin/settings"})
	}
	return v.labelled(items)
}

// AdminNavActive reports whether the page belongs to the "Verwaltung" menu.
func (v *view) AdminNavActive() bool {
	for _, it := range v.AdminNavItems() {
		if it.Key == v.Nav {
			return true
		}
	}
	return false
}

// labelled sets each item's label from the catalog ("nav.<Key>").
func (v *view) labelled(items []navItem) []navItem {
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
