package httpx

import (
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	_ "modernc.org/sqlite"
)

func TestMetricsMiddleware(t *testing.T) {
	m := NewMetrics()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /vehicles/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /vehicles", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusConflict) })
	h := m.Middleware(mux)
	for _, req := range []struct{ method, path string }{
		{"GET", "/vehicles/1"}, {"GET", "/vehicles/2"}, {"GET", "/vehicles/3"},
		{"POST", "/vehicles"},
		{"GET", "/random/path/1"}, {"GET", "/random/path/2"},
		{"BREW", "/vehicles/1"},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(req.method, req.path, nil))
	}
	tests := []struct {
		route, method, status string
		want                  float64
	}{
		{"GET /vehicles/{id}", "GET", "200", 3},
		{"POST /vehicles", "POST", "409", 1},
		{RouteUnmatched, "GET", "404", 2},
		{RouteUnmatched, "OTHER", "405", 1},
	}
	for _, tt := range tests {
		got := counterValue(t, m.requests.WithLabelValues(tt.route, tt.method, tt.status))
		if got != tt.want {
			t.Errorf("http_requests_total{%s,%s,%s} = %v, want %v", tt.route, tt.method, tt.status, got, tt.want)
		}
	}
	// one histogram series per route, not per path
	if n := seriesCount(m.duration); n != 3 {
		t.Errorf("%d duration series, want 3 (one per route label, not per path)", n)
	}
	if n := seriesCount(m.requests); n != 4 {
		t.Errorf("%d request series, want 4", n)
	}
}

// TestMetricsLabelNestedMuxPatterns: an application's mux mounted under a
// prefix of the outer mux, behind middlewares that clone the request,
// labels requests with its own patterns through RecordRoute.
func TestMetricsLabelNestedMuxPatterns(t *testing.T) {
	m := NewMetrics()
	inner := http.NewServeMux()
	inner.HandleFunc("GET /admin/vehicles/{id}", func(w http.ResponseWriter, r *http.Request) {})
	clone := func(next http.Handler) http.Handler { // as a middleware that adds to the context
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(w, r.WithContext(r.Context())) })
	}
	outer := http.NewServeMux()
	outer.Handle("/admin/", clone(RecordRoute(inner)))
	outer.Handle("/plain/", clone(inner)) // without RecordRoute: the outer pattern
	h := m.Middleware(outer)
	for _, p := range []string{"/admin/vehicles/1", "/admin/vehicles/2", "/plain/x"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	if got := counterValue(t, m.requests.WithLabelValues("GET /admin/vehicles/{id}", "GET", "200")); got != 2 {
		t.Errorf("requests labelled with the inner pattern: %v, want 2", got)
	}
	if got := counterValue(t, m.requests.WithLabelValues("/admin/", "GET", "200")); got != 0 {
		t.Errorf("requests labelled with the outer prefix: %v, want 0", got)
	}
}

func TestMetricsHandlerExposesDBStats(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	m := NewMetrics()
	if err := m.ObserveDB(db, "main"); err != nil {
		t.Fatal(err)
	}
	m.Middleware(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	rr := httptest.NewRecorder()
	m.Handler().ServeHTTP(rr, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rr.Body)
	for _, want := range []string{
		`http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`http_request_duration_seconds_bucket{route="unmatched",le="+Inf"} 1`,
		`go_sql_open_connections{db_name="main"} 1`,
		`go_sql_max_open_connections{db_name="main"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// a second registry is independent: no duplicate registration panic
	if err := NewMetrics().ObserveDB(db, "main"); err != nil {
		t.Errorf("second registry: %v", err)
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var d dto.Metric
	if err := c.Write(&d); err != nil {
		t.Fatal(err)
	}
	return d.GetCounter().GetValue()
}

func seriesCount(c prometheus.Collector) int {
	ch := make(chan prometheus.Metric, 100)
	c.Collect(ch)
	close(ch)
	return len(ch)
}
