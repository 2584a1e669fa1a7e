package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/webhook"
)

//go:embed templates/*.html
var templateFS embed.FS

// templates holds one parsed template set per page: the layout plus the page.
type templates map[string]*template.Template

// parseTemplates parses every page under templates/ together with the shared
// layout and partials. It fails on any template error, so a broken template
// stops the server at start, not at the first request.
func parseTemplates() (templates, error) {
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(templateFS, "templates/[a-z]*.html")
	if err != nil {
		return nil, err
	}
	out := templates{}
	for _, p := range pages {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFS, p); err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		out[p[len("templates/"):len(p)-len(".html")]] = t
	}
	return out, nil
}

// funcs are the helpers templates may call besides the view's methods,
// all of them in one place:
// baseFuncs and those the pages that need them add (templateFuncs).
var funcs = templateFuncs()

// templateFuncs builds funcs; no init() fills it.
func templateFuncs() template.FuncMap {
	f := baseFuncs()
	addFleetFuncs(f)
	addContractFuncs(f)
	addDamageFuncs(f)
	return f
}

// baseFuncs are the formatting and translation functions every page uses.
func baseFuncs() template.FuncMap {
	return template.FuncMap{
		"minPassword": func() int { return identity.MinPasswordLength },
		// field builds the data of the "input" partial: name, catalog key of the
		// label, value, input type.
		"field": func(v *view, name, labelKey, value, typ string) fieldData {
			return fieldData{Name: name, Label: v.T(labelKey), Value: value, Type: typ, Error: v.Err(name)}
		},
		// req marks a field as one the form cannot be saved without;
		// reqIf does when cond holds.
		"req":   func(f fieldData) fieldData { f.Required = true; return f },
		"reqIf": func(cond bool, f fieldData) fieldData { f.Required = cond; return f },
		// pageField builds the data of the booking page's "page-input"
		// partial: name, catalog key of the label, value, input type and
		// autocomplete token (in Hint).
		"pageField": func(v *pageView, name, labelKey, value, typ, autocomplete string) fieldData {
			return fieldData{Name: name, Label: v.T(labelKey), Value: value, Type: typ, Error: v.Err(name), Hint: autocomplete}
		},
		// webhookFields builds the data of the "webhook-fields" partial.
		"webhookFields": func(v *view, f webhookForm, types []webhook.Type) webhookFieldsData {
			return webhookFieldsData{V: v, Form: f, Types: types}
		},
	}
}

// webhookFieldsData is the webhook endpoint form's fields.
type webhookFieldsData struct {
	V     *view
	Form  webhookForm
	Types []webhook.Type
}

// fieldData is one labelled form input with its error message.
type fieldData struct {
	Name, Label, Value, Type, Error, Hint string
	Required                              bool // marked with * and aria-required
}

// view is what every page template receives: the request's language, user and
// tenant for the layout, the page's own data, and per-field error messages.
type view struct {
	Lang     string
	Title    string
	Nav      string // key of the active navigation entry
	UserName string
	IsAdmin  bool
	// HasPlates: the red dealer plate pages are mounted (menu entry).
	HasPlates bool
	Tenant    string
	CSRF      string
	Path      string // current request path and query, for the language switch
	Notice    string // translated success message
	Alert     string // translated error message
	Errors    map[string]string
	Data      any
	RequestID string
	SignedIn  bool
	// Attention are the background jobs' notes on the page's items, shown
	// above the content.
	Attention []attentionRow
	// HasSearch shows the global search box in the header, SearchQuery
	// the text it holds (on the results page).
	HasSearch   bool
	SearchQuery string
	// formErr is the error formError showed, formAlert the alert it set
	// and formLang the language it used: fillView translates them again
	// when the reader's language, known by then, is another (a handler
	// that builds its view without Lang).
	formErr             error
	formAlert, formLang string
}

// WithAttention returns a copy of v showing list as its attention notes.
func (v *view) WithAttention(list []attentionRow) *view {
	c := *v
	c.Attention = list
	return &c
}

// T translates key with args into the page's language.
func (v *view) T(key string, args ...any) string { return translate(v.Lang, locale.Key(key), args...) }

// Enum translates the value of an enumeration (a payment operation, a
// status, an audit action): the catalog text "<prefix>.<value>".
func (v *view) Enum(prefix string, value any) string {
	return v.T(prefix + "." + fmt.Sprint(value))
}

// Date renders a calendar date given as YYYY-MM-DD in the page's language
// ("14.03.2026" / "14 Mar 2026"); anything else is returned as it is.
func (v *view) Date(day string) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	return locale.Lang(v.Lang).Date(t)
}

// Month names a month "YYYY-MM" in the reader's language ("Dezember
// 2026"); anything else is shown as it is.
func (v *view) Month(month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	return locale.Lang(v.Lang).MonthYear(t)
}

// Actor names who made an audited change: the user's or API key's name,
// or the translated kind of actor for the system.
func (v *view) Actor(kind any, name string) string {
	if fmt.Sprint(kind) == "system" || name == "" {
		return v.Enum("audit.actor", kind)
	}
	return name
}

// Time renders t in Europe/Berlin in the page's language.
func (v *view) Time(t time.Time) string { return formatTime(v.Lang, t, berlin) }

// TimeP renders *t like Time, and "never" for nil.
func (v *view) TimeP(t *time.Time) string {
	if t == nil {
		return v.T("common.never")
	}
	return v.Time(*t)
}

// Err returns the error message of field, or "".
func (v *view) Err(field string) string { return v.Errors[field] }

// Day returns the translated name of weekday d (0 = Sunday).
func (v *view) Day(d time.Weekday) string { return v.T("day." + strconv.Itoa(int(d))) }

// render executes page into a buffer and writes it with status; a template
// error becomes the generic error page, never half a page.
func (a *app) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	a.fillView(r, v)
	t, ok := a.tmpl[page]
	if !ok {
		a.fail(w, r, fmt.Errorf("no template %q", page))
		return
	}
	var buf bytes.Buffer
	name := "layout"
	if !v.SignedIn {
		name = "bare"
	}
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		a.fail(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderFragment executes one named template of page with data (for htmx
// swaps), without the layout.
func (a *app) renderFragment(w http.ResponseWriter, r *http.Request, page, name string, data any) {
	var buf bytes.Buffer
	if err := a.tmpl[page].ExecuteTemplate(&buf, name, data); err != nil {
		a.fail(w, r, fmt.Errorf("render %s/%s: %w", page, name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

// fillView sets what the layout needs from the request.
func (a *app) fillView(r *http.Request, v *view) {
	rc := reqCtx(r)
	v.Lang = rc.lang
	if v.formErr != nil && v.formLang != v.Lang { // the form's messages in the reader's language
		alert, custom := v.Alert, v.Alert != v.formAlert
		a.showFormError(v, v.formErr)
		if custom { // the handler chose its own alert (in the reader's language)
			v.Alert = alert
		}
	}
	v.RequestID = httpx.RequestID(r.Context())
	v.Path = currentPage(r)
	if rc.user != nil {
		v.SignedIn = true
		v.UserName = rc.user.Name
		v.IsAdmin = rc.actor.IsAdmin()
		v.HasPlates = a.platesMounted()
		v.Tenant = rc.tenant.Name
		v.CSRF = rc.session.CSRFToken
		v.HasSearch = a.Search != nil
	} else if v.CSRF == "" {
		v.CSRF = rc.preCSRF
	}
	if x := r.URL.Query().Get("att"); v.Notice == "" && r.Method == http.MethodGet && (x == "retried" || x == "dismissed") {
		v.Notice = translate(v.Lang, locale.Key("att.done."+x)) // after a staff action on a note (attention.go)
	}
}

// currentPage is the page to return to after a language switch: the URL of
// a GET, else the same-origin Referer (a form answered by a POST has no URL
// of its own to GET), else the dashboard.
func currentPage(r *http.Request) string {
	if r.Method == http.MethodGet {
		return r.URL.RequestURI()
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
		if p := safeNext(ref.RequestURI()); p != "" {
			return p
		}
	}
	return "/admin/"
}

// errorPage renders the error page with status and, when set, the message key
// msgKey instead of the status's generic text.
func (a *app) errorPage(w http.ResponseWriter, r *http.Request, status int, msgKey string) {
	a.errorPageText(w, r, status, msgKey, "")
}

// errorPageText is errorPage with, when text is set, that (translated)
// text instead of the message key's.
func (a *app) errorPageText(w http.ResponseWriter, r *http.Request, status int, msgKey, text string) {
	if msgKey == "" {
		msgKey = "err." + strconv.Itoa(status)
		if !locale.Has(locale.Key(msgKey)) {
			msgKey = "err.500"
			if status < 500 {
				msgKey = "err.400"
			}
		}
	}
	v := &view{Title: "err.title", Data: errorData{Status: status, Message: msgKey, Text: text}}
	a.fillView(r, v)
	t := a.tmpl["error"]
	name := "layout"
	if !v.SignedIn {
		name = "bare"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		a.log.ErrorContext(r.Context(), "render error page", slog.Any("error", err))
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	httpx.SetRetryAfter(w.Header(), status)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorData struct {
	Status  int
	Message string // catalog key of the generic text
	Text    string // the error's own text in the reader's language, when it has one
}

// fieldErrors turns the field errors of err (KindInvalid) into translated
// messages keyed by field. It reports false when err has no field errors.
func fieldErrors(lang string, err error) (map[string]string, bool) {
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindInvalid || len(e.Fields) == 0 {
		return nil, false
	}
	m := map[string]string{}
	for _, f := range e.Fields {
		if _, dup := m[f.Field]; !dup {
			m[f.Field] = f.Text(locale.Lang(lang))
		}
	}
	return m, true
}

// KindWord is the key of text key said of a booking of kind k (kindWord):
// key.<kind> for a test drive, internal trip or transfer, key for a rental.
func (v *view) KindWord(key string, k booking.Kind) string { return string(kindWord(key, k)) }
