package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/locale"
)

// handler is an admin page in the style of tsweb: it writes its answer, or
// returns the error that the one adapter (app.handle) answers. Every route
// of routes.go is one.
type handler func(w http.ResponseWriter, r *http.Request) error

// errNotFound answers a page or an object that does not exist (404).
var errNotFound = errs.NotFound("err.404")

// errAdminOnly answers a page only the tenant's administrators may use (403).
var errAdminOnly = errs.Forbidden("err.403")

// pageError is an answer with an explicit status and message key, for
// conditions that no error kind names (a malformed query parameter: 400).
type pageError struct {
	status int
	key    locale.Key // "" for the status's generic text
}

func (e pageError) Error() string { return strconv.Itoa(e.status) + " " + string(e.key) }

// handle adapts h to an http.Handler: an error h returns is answered by
// fail, the one place that turns errors into pages.
func (a *app) handle(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.fail(w, r, err)
		}
	}
}

// fail answers err with the one error page. The status comes from
// httpx.Status (the one kind→status table; a pageError names its own), the
// text is the error's own catalog text in the reader's language for an
// expected error (4xx), else the generic text of the status. The page
// shows the request id as a reference, and the log has it: every 5xx (503
// as a warning) and every 4xx answering a state-changing request (a 404
// after a saved change must be traceable), with the route pattern.
func (a *app) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, key, text := httpx.Status(err), locale.Key(""), ""
	var pe pageError
	if errors.As(err, &pe) {
		status, key = pe.status, pe.key
	} else if e, ok := errs.As(err); ok && status < 500 && e.Code != "" && locale.Has(e.Code) {
		text = e.Text(locale.Lang(reqCtx(r).lang).Or())
	}
	attrs := []any{slog.String("request_id", httpx.RequestID(r.Context())), slog.String("method", r.Method),
		slog.String("path", r.URL.Path), slog.String("route", r.Pattern), slog.Int("status", status), slog.Any("error", err)}
	switch {
	case errs.Is(err, errs.KindUnavailable):
		a.log.WarnContext(r.Context(), "admin request: service unavailable", attrs...)
	case status >= 500:
		a.log.ErrorContext(r.Context(), "admin request failed", attrs...)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		a.log.InfoContext(r.Context(), "admin request refused", attrs...)
	}
	a.errorPageText(w, r, status, string(key), text)
}
