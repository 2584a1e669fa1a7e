package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// logHandler adds the request id from the context to every record.
type logHandler struct{ inner slog.Handler }

// NewLogHandler wraps h so that every record logged with a context carrying a
// request id (see AssignRequestID) gets a "request_id" attribute. Log through
// the *Context methods (InfoContext, ErrorContext, …) to get it.
func NewLogHandler(h slog.Handler) slog.Handler { return logHandler{inner: h} }

func (h logHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.inner.Handle(ctx, r)
}

func (h logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return logHandler{inner: h.inner.WithAttrs(as)}
}

func (h logHandler) WithGroup(name string) slog.Handler {
	return logHandler{inner: h.inner.WithGroup(name)}
}

// AccessLog returns middleware that writes one "request" line per request at
// level Info (Warn for 5xx) with method, route pattern, path, status,
// duration in milliseconds, response bytes and the remote address. Put it
// inside AssignRequestID so the line carries the request id.
func AccessLog(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			r = withRouteSlot(r)
			rec := newRecorder(w)
			completed := false
			defer func() {
				status := rec.Status()
				switch {
				case status == 0 && completed:
					status = http.StatusOK // net/http sends 200 for a handler that wrote nothing
				case status == 0:
					status = http.StatusInternalServerError // a panic below that no Recover answered
				}
				level := slog.LevelInfo
				if status >= 500 {
					level = slog.LevelWarn
				}
				logger.LogAttrs(r.Context(), level, "request",
					slog.String("method", r.Method),
					slog.String("route", routeOf(r)),
					slog.String("path", r.URL.Path),
					slog.Int("status", status),
					slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
					slog.Int64("bytes", rec.bytes),
					slog.String("remote", r.RemoteAddr),
				)
			}()
			next.ServeHTTP(rec, r)
			completed = true
		})
	}
}
