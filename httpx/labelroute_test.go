package httpx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"mietwerk.dev/mietwerk/internal/stmtcount"
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

// The statements a request's handler sends (counted by the store's tracer
// into the context's stmtcount.Counter) land in its route's histogram.
func TestMetricsStatementsPerRequest(t *testing.T) {
	m := NewMetrics()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /bookings", func(w http.ResponseWriter, r *http.Request) { stmtcount.From(r.Context()).Add(7) })
	h := m.Middleware(mux)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/bookings", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/bookings", nil))
	var out dto.Metric
	if err := m.stmts.WithLabelValues("POST /bookings").(prometheus.Histogram).Write(&out); err != nil {
		t.Fatal(err)
	}
	if c, s := out.GetHistogram().GetSampleCount(), out.GetHistogram().GetSampleSum(); c != 2 || s != 14 {
		t.Errorf("statements histogram: %d samples summing to %v, want 2 summing to 14", c, s)
	}
}
