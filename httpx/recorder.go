package httpx

import (
	"context"
	"net/http"
)

// recorder wraps a ResponseWriter to learn the status and the number of body
// bytes written. Unwrap lets http.ResponseController reach the original
// (Flush, deadlines, hijacking).
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func newRecorder(w http.ResponseWriter) *recorder { return &recorder{ResponseWriter: w} }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Flush passes through to the underlying writer when it can flush.
func (r *recorder) Flush() {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Status is the status sent, 200 when the handler wrote nothing at all (as
// net/http does), or 0 while nothing has been sent.
func (r *recorder) Status() int { return r.status }

// written reports whether the response header has gone out.
func (r *recorder) written() bool { return r.status != 0 }

// routeSlot lets handlers below the instrumenting middleware name the route
// pattern that matched, also through nested muxes that clone the request.
type routeSlot struct{ pattern string }

type routeSlotKey struct{}

// SetRoute records the route pattern that handles the request in ctx (e.g.
// "GET /admin/vehicles/{id}"). The access log and the metrics label requests
// with it. Without a call, they use the pattern of the outermost
// http.ServeMux that matched (Request.Pattern). Patterns keep the label
// cardinality bounded: never pass a raw path.
func SetRoute(ctx context.Context, pattern string) {
	if s, ok := ctx.Value(routeSlotKey{}).(*routeSlot); ok {
		s.pattern = pattern
	}
}

// RecordRoute serves r with mux and then records the pattern mux matched
// (see SetRoute): an application's own mux mounted under a prefix of an
// outer one ("/admin/") labels its requests with its own patterns
// ("GET /admin/vehicles/{id}") in the access log and the metrics. A mux
// sets Request.Pattern on the request it is given, so the pattern is read
// after it served.
func RecordRoute(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if r.Pattern != "" {
			SetRoute(r.Context(), r.Pattern)
		}
	})
}

// withRouteSlot returns r carrying a route slot (r itself when it has one).
func withRouteSlot(r *http.Request) *http.Request {
	if _, ok := r.Context().Value(routeSlotKey{}).(*routeSlot); ok {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), routeSlotKey{}, &routeSlot{}))
}

// RouteUnmatched is the route label of requests no pattern matched.
const RouteUnmatched = "unmatched"

// routeOf returns the route label of a served request: the pattern set by
// SetRoute, else the ServeMux pattern, else RouteUnmatched.
func routeOf(r *http.Request) string {
	if s, ok := r.Context().Value(routeSlotKey{}).(*routeSlot); ok && s.pattern != "" {
		return s.pattern
	}
	if r.Pattern != "" {
		return r.Pattern
	}
	return RouteUnmatched
}
