package store

import (
	"context"
	"database/sql"
	"strings"

	"mietwerk.dev/mietwerk/search"
)

// compactSQL is search.Compact in SQL: col lower-cased without spaces,
// hyphens, dots, slashes and parentheses.
func compactSQL(col string) string {
	out := "lower(" + col + ")"
	for _, c := range []string{" ", "-", ".", "/", "(", ")"} {
		out = "replace(" + out + ", '" + c + "', '')"
	}
	return out
}

// customerNameCu is customerNameSQL for a customers row aliased cu (where c
// is the contract).
var customerNameCu = strings.NewReplacer("c.", "cu.").Replace(customerNameSQL)

// searchTerms hands out the LIKE patterns of one query as placeholders,
// each added to the arguments on first use (PostgreSQL refuses a statement
// with an unused parameter): the text as it is, lower-cased, and its
// compact form for plates, VINs and phone numbers.
type searchTerms struct {
	a       *args
	text    string
	ph, phc string
}

// like returns "expr LIKE <pattern>" with the escape clause.
func like(expr, p string) string { return expr + ` LIKE ` + p + ` ESCAPE '\'` }

// has returns the condition "expr contains the text".
func (t *searchTerms) has(expr string) string {
	if t.ph == "" {
		t.ph = t.a.add(likeArg(t.text))
	}
	return like(expr, t.ph)
}

// compactHas returns the condition "the compact form of col contains the
// compact text", or "1=0" when there is no compact text.
func (t *searchTerms) compactHas(col string) string {
	c := search.Compact(t.text)
	if c == "" {
		return "1=0"
	}
	if t.phc == "" {
		t.phc = t.a.add(likeArg(c))
	}
	return like(compactSQL(col), t.phc)
}

// Search finds what the actor may see by number, plate, VIN, customer name,
// e-mail or phone: reservations (also by the plate of their car), contracts,
// invoices, vehicles and customers, at most search.PerGroup of each, newest
// first (vehicles by plate, customers by name). Scoping is that of the list
// pages: the tenant always; a station user only its stations' reservations,
// contracts (pickup or return station), invoices, vehicles and the customers
// who booked there. Errors: KindUnauthorized, KindForbidden.
func (s *Store) Search(ctx context.Context, text string) (search.Results, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return search.Results{}, err
	}
	var res search.Results
	text = search.Normalize(text)
	if text == "" {
		return res, nil
	}
	groups := []struct {
		g     *search.Group
		query func(a *args, t *searchTerms) string
		scan  func(rows *sql.Rows, h *search.Hit) error
	}{
		{&res.Reservations, func(a *args, t *searchTerms) string {
			return `SELECT r.id, r.number, ` + customerNameSQL + `, COALESCE(v.plate, ''), r.status, r.pickup_at, r.return_at, r.kind
				FROM reservations r JOIN customers c ON c.id = r.customer_id LEFT JOIN vehicles v ON v.id = r.vehicle_id
				WHERE r.tenant_id = $1 AND ` + sc.stations("r.station_id", a) + ` AND (` + t.has("lower(r.number)") + ` OR ` +
				t.compactHas("v.plate") + ` OR ` + t.has("lower("+customerNameSQL+")") + ` OR ` + t.has("c.email_lower") + `)
				ORDER BY r.pickup_at DESC, r.id DESC`
		}, func(rows *sql.Rows, h *search.Hit) error {
			return rows.Scan(&h.ID, &h.Ref, &h.Name, &h.Plate, &h.Status, tsScan{&h.From}, tsScan{&h.To}, &h.Kind)
		}},
		{&res.Contracts, func(a *args, t *searchTerms) string {
			return `SELECT c.id, c.number, ` + customerNameCu + `, v.plate, c.status, c.starts_at, COALESCE(c.ended_at, c.planned_end_at)
				FROM contracts c JOIN customers cu ON cu.id = c.customer_id JOIN vehicles v ON v.id = c.vehicle_id
				WHERE c.tenant_id = $1 AND ` + contractScope(sc, a) + ` AND (` + t.has("lower(c.number)") + ` OR ` +
				t.compactHas("v.plate") + ` OR ` + t.has("lower(v.vin)") + ` OR ` + t.has("lower("+customerNameCu+")") +
				` OR ` + t.has("cu.email_lower") + `)
				ORDER BY c.starts_at DESC, c.id DESC`
		}, func(rows *sql.Rows, h *search.Hit) error {
			return rows.Scan(&h.ID, &h.Ref, &h.Name, &h.Plate, &h.Status, tsScan{&h.From}, tsScan{&h.To})
		}},
		{&res.Invoices, func(a *args, t *searchTerms) string {
			return `SELECT i.id, i.number, ` + customerNameCu + `, i.kind, i.issued_at, i.gross_cents
				FROM invoices i JOIN customers cu ON cu.id = i.customer_id
				WHERE i.tenant_id = $1 AND ` + sc.invoices(a) + ` AND (` + t.has("lower(i.number)") + ` OR ` +
				t.has("lower("+customerNameCu+")") + ` OR ` + t.has("cu.email_lower") + `)
				ORDER BY i.issued_at DESC, i.id DESC`
		}, func(rows *sql.Rows, h *search.Hit) error {
			return rows.Scan(&h.ID, &h.Ref, &h.Name, &h.Status, tsScan{&h.From}, &h.Cents)
		}},
		{&res.Vehicles, func(a *args, t *searchTerms) string {
			return `SELECT v.id, v.plate, v.make || ' ' || v.model, v.vin, v.status FROM vehicles v
				WHERE v.tenant_id = $1 AND ` + sc.stations("v.station_id", a) + ` AND (` + t.compactHas("v.plate") + ` OR ` +
				t.compactHas("v.vin") + `)
				ORDER BY v.plate, v.id`
		}, func(rows *sql.Rows, h *search.Hit) error {
			return rows.Scan(&h.ID, &h.Ref, &h.Name, &h.Plate, &h.Status)
		}},
		{&res.Customers, func(a *args, t *searchTerms) string {
			return `SELECT c.id, ` + customerNameSQL + `, c.email, c.phone FROM customers c
				WHERE c.tenant_id = $1 AND ` + customerVisible(sc, a, "c") + ` AND (` + t.has("lower("+customerNameSQL+")") +
				` OR ` + t.has("lower(c.last_name || ' ' || c.first_name)") + ` OR ` + t.has("c.email_lower") + ` OR ` +
				t.compactHas("c.phone") + `)
				ORDER BY lower(c.last_name), lower(c.first_name), c.id`
		}, func(rows *sql.Rows, h *search.Hit) error {
			return rows.Scan(&h.ID, &h.Ref, &h.Email, &h.Phone)
		}},
	}
	for _, g := range groups {
		a := args{sc.tenant()}
		q := g.query(&a, &searchTerms{a: &a, text: text}) + ` LIMIT ` + a.add(search.PerGroup+1)
		if err := s.searchGroup(ctx, g.g, q, a, g.scan); err != nil {
			return search.Results{}, err
		}
	}
	return res, nil
}

// searchGroup runs one group's query (limited to PerGroup+1 rows) into g.
func (s *Store) searchGroup(ctx context.Context, g *search.Group, q string, a args, scan func(*sql.Rows, *search.Hit) error) error {
	rows, err := s.db.QueryContext(ctx, q, a...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h search.Hit
		if err := scan(rows, &h); err != nil {
			return err
		}
		if len(g.Hits) == search.PerGroup {
			g.More = true
			break
		}
		g.Hits = append(g.Hits, h)
	}
	return rows.Err()
}
