package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"mietwerk.dev/mietwerk/locale"
)

// Recover returns middleware that turns a panic in next into a logged error
// (with the request id, the panic value and the stack) and a generic 500
// answer naming only the request id — JSON problem details for /api/ paths
// and clients that accept JSON, plain text otherwise. When the response had
// already started, the connection is aborted instead. http.ErrAbortHandler
// is passed on untouched, as net/http expects.
func Recover(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := newRecorder(w)
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				logger.ErrorContext(r.Context(), "panic serving request",
					slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
				if rec.written() {
					panic(http.ErrAbortHandler)
				}
				writeInternalError(rec, r)
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// writeInternalError answers a generic 500 that reveals nothing but the
// request id, in the language of the request's Accept-Language.
func writeInternalError(w http.ResponseWriter, r *http.Request) {
	id := RequestID(r.Context())
	l := locale.Negotiate(r.Header.Get("Accept-Language"))
	h := w.Header()
	for k := range h {
		if k != RequestIDHeader {
			h.Del(k)
		}
	}
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "json") {
		h.Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusInternalServerError)
		json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": l.T("error.internal.title"),
			"status": http.StatusInternalServerError, "detail": l.T("error.internal"), "request_id": id})
		return
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintln(w, l.T("error.internal.reference", locale.Params{"message": l.T("error.internal"), "id": id}))
}
