package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/webhook"
)

// enumPrefixes are the catalog prefixes whose keys end in an enumeration's
// raw value ("payment.op.token_preauth" → token_preauth).
var enumPrefixes = []string{"booking.status.", "contract.status.", "vehicle.status.", "vehicle.fuel.", "vehicle.clean.",
	"damage.kind.", "damage.severity.", "damage.view.", "condition.source.", "allocation.kind.", "invoice.kind.",
	"receipt.method.", "receipt.kind.", "tariff.kind.", "tariff.counting.", "category.transmission.", "payment.op.",
	"payment.status.", "payment.purpose.", "audit.action.", "audit.actor.", "user.role.", "mail.kind.", "mail.status.",
	"protocol.kind."}

// langCheck finds what a page or document in one language must not show:
// a catalog key (a text that is missing shows its key), a parameter that was
// not filled in, a raw enumeration value, an ISO date, or a text of the
// catalog in the other language.
type langCheck struct {
	lang     locale.Lang
	prefixes map[string]bool // first segments of catalog keys
	raw      map[string]bool // raw enumeration values that are no text in lang
	foreign  []string        // sentences of the other language
}

func newLangCheck(l locale.Lang) *langCheck {
	cat := locale.Default()
	c := &langCheck{lang: l, prefixes: map[string]bool{}, raw: map[string]bool{}}
	other := locale.German
	if l == locale.German {
		other = locale.English
	}
	texts := map[string]bool{}
	for _, k := range cat.Keys(l) {
		t, _ := cat.Lookup(l, k)
		texts[t.Other], texts[t.One] = true, true
	}
	for _, k := range cat.Keys(l) {
		c.prefixes[strings.SplitN(string(k), ".", 2)[0]] = true
		for _, p := range enumPrefixes {
			if v, ok := strings.CutPrefix(string(k), p); ok && !texts[v] {
				c.raw[v] = true
			}
		}
		mine, _ := cat.Lookup(l, k)
		theirs, _ := cat.Lookup(other, k)
		for _, form := range []string{theirs.Other, theirs.One} {
			if form == mine.Other || form == mine.One {
				continue
			}
			for _, frag := range regexp.MustCompile(`\{[a-z0-9_]+\}`).Split(form, -1) {
				if frag = strings.TrimSpace(frag); len(frag) >= 24 && !texts[frag] {
					c.foreign = append(c.foreign, frag)
				}
			}
		}
	}
	return c
}

var (
	tagRE = regexp.MustCompile(`(?s)<[^>]*>`)
	// dropped: what no one reads as prose, and identifiers set in <code>
	// for integrators (a webhook's event type "booking.confirmed" next to
	// its translated name); the audit log reads as sentences (issue 15)
	dropRE       = regexp.MustCompile(`(?is)<(script|style|textarea|code)\b.*?</(script|style|textarea|code)>|<!--.*?-->`)
	readAttrRE   = regexp.MustCompile(`\b(?:title|aria-label|placeholder|alt)="([^"]*)"`)
	keyLikeRE    = regexp.MustCompile(`\b[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+\b`)
	paramLeftRE  = regexp.MustCompile(`\{[a-z0-9_]+\}`)
	doubleEuroRE = regexp.MustCompile(`€\s*€`)
	// a cell or text that is only an amount ("49,00", "1,234.50") but no
	// "€": money is shown with its currency
	bareAmountRE = regexp.MustCompile(`^-?\d{1,3}(?:[.,]\d{3})*[.,]\d{2}$`)
	isoDateRE    = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
	// a decimal in the other language's form: "12.5 %" or a lone "12.5" on a
	// German page, "12,5%" on an English one (thousands groups excluded)
	germanDecimalRE  = regexp.MustCompile(`^-?\d+,\d{1,2}(?: ?%)?$`)
	englishDecimalRE = regexp.MustCompile(`^-?\d+\.\d{1,2}(?: ?%)?$`)
	// dates in the other language's format: "05.12.2026" or the planning
	// board's "05.12." on an English page, "5 Dec 2026" on a German one
	germanDateRE  = regexp.MustCompile(`\b(?:0[1-9]|[12]\d|3[01])\.(?:0[1-9]|1[0-2])\.(?:\d{4}\b|\s|$)`)
	englishDateRE = regexp.MustCompile(`\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b`)
	rawInWordsRE  = regexp.MustCompile(`\b[a-z]+(?:_[a-z]+)+\b`)
)

// visibleText returns the text nodes of an HTML page and the attributes a
// person reads (title, aria-label, placeholder, alt), each trimmed.
func visibleText(page string) []string {
	page = dropRE.ReplaceAllString(page, " ")
	var out []string
	for _, m := range readAttrRE.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	for _, s := range tagRE.Split(page, -1) {
		if s = strings.TrimSpace(html.UnescapeString(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// problems returns what is wrong with the texts of one page or document.
func (c *langCheck) problems(texts []string) []string {
	var out []string
	all := strings.Join(texts, "\n")
	for _, t := range texts {
		for _, k := range keyLikeRE.FindAllString(t, -1) {
			if c.prefixes[strings.SplitN(k, ".", 2)[0]] {
				out = append(out, "catalog key shown: "+k)
			}
		}
		for _, p := range paramLeftRE.FindAllString(t, -1) {
			out = append(out, "parameter not filled in: "+p+" in "+q(t))
		}
		if c.raw[t] {
			out = append(out, "raw value shown: "+q(t))
		}
		for _, w := range rawInWordsRE.FindAllString(t, -1) {
			if c.raw[w] {
				out = append(out, "raw value shown: "+q(w)+" in "+q(t))
			}
		}
		if bareAmountRE.MatchString(t) {
			out = append(out, "amount without its currency: "+q(t))
		}
		if doubleEuroRE.MatchString(t) {
			out = append(out, "currency shown twice (an amount formatted with € in a text that adds one): "+q(t))
		}
		if d := isoDateRE.FindString(t); d != "" {
			out = append(out, "ISO date shown: "+q(t))
		}
		if c.lang == locale.German && englishDecimalRE.MatchString(t) || c.lang == locale.English && germanDecimalRE.MatchString(t) {
			out = append(out, "decimal number in the other language's form: "+q(t))
		}
		if c.lang == locale.English && germanDateRE.MatchString(t) || c.lang == locale.German && englishDateRE.MatchString(t) {
			out = append(out, "date in the other language's format: "+q(t))
		}
	}
	for _, f := range c.foreign {
		if strings.Contains(all, f) {
			out = append(out, "text of the other language: "+q(f))
		}
	}
	return out
}

func q(s string) string {
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return `"` + s + `"`
}

// crawlSkip are links that are no admin page in a language: downloads,
// documents, the e-mail body of a customer, actions.
var crawlSkip = regexp.MustCompile(`/logout|/lang|/static/|\.csv|\.pdf|\.xml|\.json|/documents/|/attachments/|/photos/|/html$|/xrechnung|/export|/erase`)

var hrefRE = regexp.MustCompile(`href="(/admin/[^"#]*)"`)

// crawl visits the admin pages reachable from the dashboard (at most two
// per path shape, e.g. /admin/contracts/N) and returns their bodies.
func crawl(t *testing.T, c *client) map[string]string {
	t.Helper()
	pages := map[string]string{}
	shapes := map[string]int{}
	queue := []string{"/admin/"}
	for len(queue) > 0 && len(pages) < 150 {
		p := html.UnescapeString(queue[0])
		queue = queue[1:]
		if _, seen := pages[p]; seen || crawlSkip.MatchString(p) {
			continue
		}
		shape := regexp.MustCompile(`\d+`).ReplaceAllString(strings.SplitN(p, "?", 2)[0], "N")
		if shapes[shape] >= 2 {
			continue
		}
		shapes[shape]++
		pg := c.get(p)
		if pg.status != 200 {
			t.Errorf("%s: status %d", p, pg.status)
			continue
		}
		if !strings.HasPrefix(pg.header.Get("Content-Type"), "text/html") {
			continue
		}
		pages[p] = pg.body
		for _, m := range hrefRE.FindAllStringSubmatch(pg.body, -1) {
			queue = append(queue, m[1])
		}
	}
	return pages
}

// TestPagesAndDocumentsSpeakOneLanguage crawls the admin pages of a tenant
// with a returned contract (payments of every kind, a damage, a payment at
// the counter, invoices, protocols, e-mails, audit entries) in German and in
// English, posts a form with errors, and reads the contract's documents
// (pdftotext): none may show a catalog key, an unfilled parameter, a raw
// enumeration value ("token_preauth", "approved", "dent"), an ISO date, or a
// text of the other language.
func TestPagesAndDocumentsSpeakOneLanguage(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		ctx := ce.sys()
		// the Munich customer reads English
		cust, err := ce.store.Customer(ctx, ce.res["muc"].CustomerID)
		must(t, err)
		cust.Language = "en"
		_, _, err = ce.store.UpsertCustomer(ctx, &cust)
		must(t, err)
		must(t, ce.store.CreateDamage(ctx, &fleet.Damage{VehicleID: ce.res["reg"].VehicleID, View: "left", X: 30, Y: 40,
			Kind: "dent", Severity: "medium", Description: "Delle hinten links", ReportedAt: ce.clk.Now()}))
		// a webhook receiving every event: the contract's events queue
		// deliveries, shown on the webhook's page and their own
		must(t, ce.store.CreateEndpoint(ctx, &webhook.Endpoint{URL: "https://agentur.example/hooks", Description: "Website",
			Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Enabled: true}))
		cs := returnedWithoutCard(t, ce, "reg", "muc")
		reg := cs["reg"]
		svc := contract.NewService(storeContractDeps(ce.store, ce.clk.Now))
		_, err = svc.RecordReceipt(ctx, reg.ID, contract.Receipt{Method: contract.MethodCash, AmountCents: 1000,
			ReceivedOn: ce.clk.Now().In(time.UTC).Format("2006-01-02")})
		must(t, err)
		// a fine case on each contract (the Munich one answered, its fee invoiced)
		fineIDs := map[string]int64{}
		for _, key := range []string{"reg", "muc"} {
			f := contract.Fine{ContractID: cs[key].ID, Kind: contract.FineKindParking, AuthorityName: "Stadt Regensburg",
				Reference: "PK-" + key, OffenceAt: cs[key].Start.Add(time.Hour), Place: "Domplatz", AmountCents: 2500}
			must(t, svc.RecordFine(ctx, &f))
			fineIDs[key] = f.ID
		}
		must(t, svc.AnswerFine(ctx, fineIDs["muc"]))
		if _, err := svc.ChargeFineFee(ctx, fineIDs["muc"], 1500); err != nil {
			t.Fatal(err)
		}
		for _, r := range []payment.Record{
			{Operation: payment.OpTokenPreAuth, Status: payment.StatusApproved, Links: payment.Links{Purpose: "deposit"}},
			{Operation: payment.OpSale, Status: payment.StatusDeclined, Links: payment.Links{Purpose: "rent"}, ReasonCode: payment.ReasonInsufficientFunds},
			{Operation: payment.OpRefund, Status: payment.StatusUnknown, Links: payment.Links{Purpose: "refund"}},
		} {
			r.Links.ReservationID, r.Links.ContractID, r.Links.CustomerID = reg.ReservationID, reg.ID, ce.res["reg"].CustomerID
			r.Amount = payment.Amount{Cents: 30000, Currency: "EUR"}
			r.Card = payment.CardInfo{Brand: "visa", Last4: "1111"}
			r.MerchantTransactionID = "T-" + string(r.Operation)
			must(t, ce.store.InsertPayment(ctx, &r))
		}

		// a car with its HU and service dates, which the vehicle list and
		// page show
		vs, _, err := ce.store.ListVehicles(ctx, fleet.VehicleFilter{})
		must(t, err)
		v := vs[0]
		v.NextInspection, v.NextService = "2027-03-31", "2027-02-15"
		must(t, ce.store.UpdateVehicle(ctx, &v))

		for _, l := range []locale.Lang{locale.German, locale.English} {
			t.Run(string(l), func(t *testing.T) {
				check := newLangCheck(l)
				c := ce.client(t)
				dash := c.mustLogin(adminEmail)
				if l == locale.English {
					c.post("/admin/lang?l=en", url.Values{"csrf": {dash.csrf(t)}, "next": {"/admin/"}})
				}
				pages := crawl(t, c)
				if len(pages) < 25 {
					t.Fatalf("crawled only %d pages: %v", len(pages), keys(pages))
				}
				// the header's search (a form, no link): hits of every kind, and none
				for _, q := range []string{"Muster", "R-CT", "MV26", "nichts-da"} {
					p := "/admin/search?q=" + url.QueryEscape(q)
					pages[p] = c.get(p).body
				}
				for _, must := range []string{"/print", "/admin/reservations/day-list", "/admin/settings/terms"} {
					found := false
					for p := range pages {
						found = found || strings.Contains(p, must)
					}
					if !found {
						t.Errorf("the crawl did not reach a page %s", must)
					}
				}
				for _, must := range []string{"/admin/contracts/", "/admin/reservations/", "/admin/customers/", "/admin/vehicles/", "/admin/emails/",
					"/admin/webhooks/", "/admin/webhook-deliveries/", "/admin/fines/"} {
					found := false
					for p := range pages {
						found = found || strings.HasPrefix(p, must) && len(p) > len(must)
					}
					if !found {
						t.Errorf("the crawl did not reach a page under %s", must)
					}
				}
				for _, p := range keys(pages) {
					for _, pr := range check.problems(visibleText(pages[p])) {
						t.Errorf("%s (%s): %s", p, l, pr)
					}
				}
				// a form with errors answers in the language too
				pg := c.get("/admin/stations/new")
				pg = c.post("/admin/stations", url.Values{"csrf": {pg.csrf(t)}, "code": {"X1"}, "name": {"Test"}, "street": {"Weg 1"},
					"postal_code": {"123"}, "city": {"Ort"}, "country": {"DE"}, "time_zone": {"Europe/Nowhere"}})
				want := map[locale.Lang][]string{
					locale.German:  {"Eine deutsche Postleitzahl hat 5 Ziffern.", "Unbekannte Zeitzone"},
					locale.English: {"A German postal code has 5 digits.", "Unknown time zone"},
				}[l]
				wantContains(t, pg, want...)
				for _, pr := range check.problems(visibleText(pg.body)) {
					t.Errorf("station form with errors (%s): %s", l, pr)
				}
			})
		}

		// the documents of the German and the English customer, as staff
		// download them
		c := ce.client(t)
		c.mustLogin(adminEmail)
		for key, l := range map[string]locale.Lang{"reg": locale.German, "muc": locale.English} {
			docs, err := ce.store.ContractDocuments(ctx, cs[key].ID)
			must(t, err)
			if len(docs) < 3 {
				t.Fatalf("%s: only %d documents", key, len(docs))
			}
			check := newLangCheck(l)
			for _, doc := range docs {
				pg := c.get(fmt.Sprintf("/admin/contracts/%d/documents/%d", cs[key].ID, doc.ID))
				wantStatus(t, pg, http.StatusOK)
				text := testenv.PDFText(t, []byte(pg.body))
				// pdftotext -layout keeps table columns apart by runs of spaces
				for _, pr := range check.problems(regexp.MustCompile(`\n|\s{2,}`).Split(text, -1)) {
					t.Errorf("document %s (%s): %s", doc.Filename, l, pr)
				}
			}
			// the letter about the fine is in the customer's language
			pg := c.get(fmt.Sprintf("/admin/fines/%d/letter.pdf", fineIDs[key]))
			wantStatus(t, pg, http.StatusOK)
			for _, pr := range check.problems(regexp.MustCompile(`\n|\s{2,}`).Split(testenv.PDFText(t, []byte(pg.body)), -1)) {
				t.Errorf("fine letter (%s): %s", l, pr)
			}
		}
	})
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
