package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"mietwerk.dev/mietwerk/internal/stmtcount"
)

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
