package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/locale"
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

	lang locale.Lang // of Title, Detail and Errors, for Content-Language
}

// lang is the language of the request's Accept-Language header (German
// when it names neither German nor English).
func lang(r *http.Request) locale.Lang { return locale.Negotiate(r.Header.Get("Accept-Language")) }

// problemFor builds the problem for err in the language of the request:
// title, detail and every field error's message come from the catalog.
func problemFor(r *http.Request, err error) Problem {
	l := lang(r)
	kind := errs.KindOf(err)
	if errs.KindKey(kind) == "error.internal" {
		kind = errs.KindInternal
	}
	p := Problem{Type: ProblemTypeBase + strings.ReplaceAll(string(kind), "_", "-"),
		Title: l.T(errs.KindKey(kind) + ".title"), Status: httpx.Status(err),
		Detail: errs.Text(l, err), Instance: r.URL.Path, RequestID: httpx.RequestID(r.Context()), lang: l}
	if e, ok := errs.As(err); ok && kind != errs.KindInternal {
		p.Code = string(e.Code)
		p.Errors = errs.Localize(l, e.Fields)
	}
	return p
}

// problem answers err as application/problem+json; an unexpected error is
// logged with the request id and answered generically.
func (s *server) problem(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(r, err)
	s.logProblem(r, p, err)
	writeProblem(w, p)
}

// logProblem logs an unexpected error (500) at error level and an
// unavailable database or gateway (503) as a warning, with the request id.
func (s *server) logProblem(r *http.Request, p Problem, err error) {
	switch {
	case errs.KindOf(err) == errs.KindUnavailable:
		s.d.Logger.WarnContext(r.Context(), "api: unavailable", "request_id", p.RequestID, "path", r.URL.Path, "code", p.Code, "err", err)
	case p.Status >= 500:
		s.d.Logger.ErrorContext(r.Context(), "api: unexpected error", "request_id", p.RequestID, "path", r.URL.Path, "err", err)
	}
}

func writeProblem(w http.ResponseWriter, p Problem) {
	b, _ := json.Marshal(p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Language", string(p.lang.Or()))
	httpx.SetRetryAfter(w.Header(), p.Status)
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(b, '\n'))
}

func errRateLimited(limit int) error {
	return errs.New(errs.KindRateLimited, "rate_limited", locale.Params{"limit": limit})
}

func notFoundRoute(r *http.Request) error {
	return errs.New(errs.KindNotFound, "route_not_found", locale.Params{"method": r.Method, "path": r.URL.Path})
}

func itoa(n int) string { return strconv.Itoa(n) }

// rawResponse is an answer written as it is: one stored for an
// Idempotency-Key (replayed: sent again for the key; stored: stored with
// the work it answers, see idempotent).
type rawResponse struct {
	status      int
	contentType string
	body        []byte
	replayed    bool
	stored      bool
}

// writeJSON encodes body (or writes a rawResponse) with status.
func (s *server) writeJSON(w http.ResponseWriter, status int, body any) {
	if raw, ok := body.(rawResponse); ok {
		if raw.replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		w.Header().Set("Content-Type", raw.contentType)
		w.Header().Set("Cache-Control", "no-store")
		httpx.SetRetryAfter(w.Header(), raw.status)
		w.WriteHeader(raw.status)
		_, _ = w.Write(raw.body)
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		s.d.Logger.Error("api: encode response", "err", err)
		writeProblem(w, Problem{Type: ProblemTypeBase + "internal", Title: locale.German.T("error.internal.title"), Status: 500,
			Detail: locale.German.T("error.internal")})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
