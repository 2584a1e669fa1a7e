package web

import (
	"net/http"
	"strconv"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/search"
)

// searchGroup is one kind of hits on the results page: its heading, its
// hits as links, and whether there were more than shown.
type searchGroup struct {
	Kind  string // reservations, contracts, invoices, vehicles, customers
	Title string
	Hits  []searchLink
	More  bool
}

// searchLink is one hit as a person reads it: the title (number, plate or
// name) linking to the object, and what identifies it further.
type searchLink struct {
	Href, Ref, Detail string
}

// searchData is the results page.
type searchData struct {
	Query  string
	Groups []searchGroup // only kinds with hits
	Tried  bool          // a non-empty text was searched
}

// searchPage answers the header's search box: the hits grouped by kind, each
// a link to its page, in the order reservations, contracts, invoices,
// vehicles, customers.
func (a *app) searchPage(w http.ResponseWriter, r *http.Request) error {
	lang := reqCtx(r).lang
	q := search.Normalize(r.URL.Query().Get("q"))
	res, err := a.Search.Search(r.Context(), q)
	if err != nil {
		return err
	}
	v := &view{Lang: lang}
	d := searchData{Query: q, Tried: q != ""}
	add := func(kind string, g search.Group, link func(h search.Hit) searchLink) {
		if len(g.Hits) == 0 {
			return
		}
		sg := searchGroup{Kind: kind, Title: v.T("search.group." + kind), More: g.More}
		for _, h := range g.Hits {
			sg.Hits = append(sg.Hits, link(h))
		}
		d.Groups = append(d.Groups, sg)
	}
	period := func(h search.Hit) string {
		return v.T("search.period", formatTime(lang, h.From, berlin), formatTime(lang, h.To, berlin))
	}
	add("reservations", res.Reservations, func(h search.Hit) searchLink {
		car := h.Plate
		if car == "" {
			car = v.T("bk.no_vehicle")
		}
		kind := "" // a start is named by its kind ("Probefahrt · Paul Probe · …")
		if k := booking.Kind(h.Kind); !k.Billed() && k.Valid() {
			kind = v.Enum("kind", k)
		}
		return searchLink{"/admin/reservations/" + searchID(h.ID), h.Ref,
			searchJoin(kind, h.Name, car, period(h), v.Enum("booking.status", h.Status))}
	})
	add("contracts", res.Contracts, func(h search.Hit) searchLink {
		return searchLink{"/admin/contracts/" + searchID(h.ID), h.Ref,
			searchJoin(h.Name, h.Plate, period(h), v.Enum("contract.status", h.Status))}
	})
	add("invoices", res.Invoices, func(h search.Hit) searchLink {
		return searchLink{"/admin/invoices/" + searchID(h.ID) + "/pdf", h.Ref,
			searchJoin(v.Enum("invoice.kind", h.Status), h.Name, v.Date(h.From.In(berlin).Format("2006-01-02")), v.Money(h.Cents))}
	})
	add("vehicles", res.Vehicles, func(h search.Hit) searchLink {
		return searchLink{"/admin/vehicles/" + searchID(h.ID), h.Ref, searchJoin(h.Name, h.Plate, v.Enum("vehicle.status", h.Status))}
	})
	add("customers", res.Customers, func(h search.Hit) searchLink {
		return searchLink{"/admin/customers/" + searchID(h.ID), h.Ref, searchJoin(h.Email, h.Phone)}
	})
	a.render(w, r, http.StatusOK, "search", &view{Title: "search.title", Data: d, SearchQuery: q})
	return nil
}

func searchID(n int64) string { return strconv.FormatInt(n, 10) }

// join joins the non-empty parts with " · ".
func searchJoin(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += " · "
		}
		out += p
	}
	return out
}
