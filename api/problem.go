package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/httpx"
)

// ProblemTypeBase prefixes the type URI of every problem: base + error kind.
const ProblemTypeBase = "https://mietwerk.dev/problems/"

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail"`
	Instance  string            `json:"instance"`
	Code      string            `json:"code,omitempty"`
	RequestID string            `json:"request_id"`
	Errors    []errs.FieldError `json:"errors,omitempty"`
}

// titles are the problem titles per kind, German first.
var titles = map[errs.Kind][2]string{
	errs.KindInvalid:        {"Ungültige Anfrage", "Invalid request"},
	errs.KindNotFound:       {"Nicht gefunden", "Not found"},
	errs.KindConflict:       {"Konflikt", "Conflict"},
	errs.KindUnauthorized:   {"Nicht angemeldet", "Unauthorized"},
	errs.KindForbidden:      {"Nicht erlaubt", "Forbidden"},
	errs.KindPaymentDecline: {"Zahlung abgelehnt", "Payment declined"},
	errs.KindUnavailable:    {"Vorübergehend nicht verfügbar", "Temporarily unavailable"},
	errs.KindRateLimited:    {"Zu viele Anfragen", "Too many requests"},
	errs.KindInternal:       {"Interner Fehler", "Internal error"},
}

// lang picks "en" or "de" (default) from Accept-Language, honouring q-values.
func lang(r *http.Request) string {
	best, bestQ := "de", -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base := strings.ToLower(strings.SplitN(tag, "-", 2)[0])
		if (base == "de" || base == "en") && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

// problemFor builds the problem for err.
func problemFor(r *http.Request, err error) Problem {
	kind := errs.KindOf(err)
	status := httpx.Status(err)
	t, ok := titles[kind]
	if !ok {
		kind, t = errs.KindInternal, titles[errs.KindInternal]
	}
	title := t[0]
	if lang(r) == "en" {
		title = t[1]
	}
	p := Problem{Type: ProblemTypeBase + strings.ReplaceAll(string(kind), "_", "-"), Title: title, Status: status,
		Detail: httpx.PublicMessage(err), Instance: r.URL.Path, RequestID: httpx.RequestID(r.Context())}
	if e, ok := errs.As(err); ok && kind != errs.KindInternal {
		p.Code = e.Code
		p.Errors = e.Fields
	}
	return p
}

// problem answers err as application/problem+json; an unexpected error is
// logged with the request id and answered generically.
func (s *server) problem(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(r, err)
	if p.Status >= 500 && errs.KindOf(err) != errs.KindUnavailable {
		s.d.Logger.ErrorContext(r.Context(), "api: unexpected error", "request_id", p.RequestID, "path", r.URL.Path, "err", err)
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p Problem) {
	b, _ := json.Marshal(p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Language", contentLang(p.Title))
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(b, '\n'))
}

func contentLang(title string) string {
	for _, t := range titles {
		if t[1] == title {
			return "en"
		}
	}
	return "de"
}

func errRateLimited(limit int) error {
	return &errs.Error{Kind: errs.KindRateLimited, Code: "rate_limited",
		Message: fmt.Sprintf("more than %d requests per minute with this API key; wait for the time in Retry-After", limit)}
}

func notFoundRoute(r *http.Request) error {
	return &errs.Error{Kind: errs.KindNotFound, Code: "route_not_found",
		Message: "no API operation " + r.Method + " " + r.URL.Path + "; see /api/v1/openapi.json"}
}

func itoa(n int) string { return strconv.Itoa(n) }

// rawResponse is a stored answer written as it is (idempotent replay).
type rawResponse struct {
	status      int
	contentType string
	body        []byte
	replayed    bool
}

// writeJSON encodes body (or writes a rawResponse) with status.
func (s *server) writeJSON(w http.ResponseWriter, status int, body any) {
	if raw, ok := body.(rawResponse); ok {
		if raw.replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		w.Header().Set("Content-Type", raw.contentType)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(raw.status)
		_, _ = w.Write(raw.body)
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		s.d.Logger.Error("api: encode response", "err", err)
		writeProblem(w, Problem{Type: ProblemTypeBase + "internal", Title: titles[errs.KindInternal][0], Status: 500,
			Detail: "an unexpected error occurred"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
