package httpx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// An admin app mounted under "/admin/" with its own mux, behind a
// middleware that copies the request (as sessions and locales do): each
// request is labelled with the inner pattern, not the prefix or the path.
func TestLabelRouteNamesInnerPattern(t *testing.T) {
	m := NewMetrics()
	inner := http.NewServeMux()
	inner.Handle("GET /admin/vehicles/{id}", LabelRoute(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	copying := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), struct{}{}, 1)))
	})
	outer := http.NewServeMux()
	outer.Handle("/admin/", copying)
	h := m.Middleware(outer)
	for _, p := range []string{"/admin/vehicles/7", "/admin/vehicles/8"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	if got := counterValue(t, m.requests.WithLabelValues("GET /admin/vehicles/{id}", "GET", "200")); got != 2 {
		t.Errorf(`http_requests_total{route="GET /admin/vehicles/{id}"} = %v, want 2`, got)
	}
	if n := seriesCount(m.requests); n != 1 {
		t.Errorf("%d request series, want 1 (no \"/admin/\" nor per-path series)", n)
	}
}
