package httpx

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mietwerk.dev/mietwerk/internal/stmtcount"
)

// Metrics holds the Prometheus registry of one server (never the global
// default registry, so tests and several servers in one process do not clash)
// and the HTTP request metrics:
//
//	http_requests_total{route,method,status}   counter
//	http_request_duration_seconds{route}       histogram
//	http_request_db_statements{route}          histogram (PostgreSQL; 0 on SQLite)
//	booking_stage_seconds{stage}               histogram (ObserveBookingStage)
//
// plus the Go runtime and process collectors and, after ObserveDB, the
// database pool gauges (go_sql_*{db_name=…}) read from sql.DBStats.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	stmts    *prometheus.HistogramVec
	stages   *prometheus.HistogramVec
}

// NewMetrics returns Metrics with a fresh registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time from receiving a request to the handler returning, by route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
	}
	m.stmts = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_db_statements",
		Help:    "SQL statements sent to PostgreSQL per request (BEGIN and COMMIT included), by route pattern.",
		Buckets: []float64{0, 1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128},
	}, []string{"route"})
	m.stages = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "booking_stage_seconds",
		Help:    "Time of each stage of a booking through the API: validate, car, payment, issue, answer.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"stage"})
	m.reg.MustRegister(m.requests, m.duration, m.stmts, m.stages,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry, for packages that add their own metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveBookingStage records how long a stage of a booking took (the
// booking service's Deps.Stages).
func (m *Metrics) ObserveBookingStage(stage string, d time.Duration) {
	m.stages.WithLabelValues(stage).Observe(d.Seconds())
}

// ObserveDB registers gauges and counters of db's connection pool
// (open, in use, idle connections, waits, wait time, closed connections)
// labelled db_name=name.
func (m *Metrics) ObserveDB(db *sql.DB, name string) error {
	return m.reg.Register(collectors.NewDBStatsCollector(db, name))
}

// ObserveCounter registers a counter whose value fn reads at each scrape
// (for counts kept elsewhere, such as the store's commits).
func (m *Metrics) ObserveCounter(name, help string, fn func() float64) error {
	return m.reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, fn))
}

// Handler serves the registry in the Prometheus text format (for /metrics).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Middleware counts and times every request by route pattern (see SetRoute
// and Request.Pattern; unmatched requests share the label "unmatched"), method
// and status. Unknown methods are counted as "OTHER" to bound cardinality.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r = withRouteSlot(r)
		ctx, stmts := stmtcount.With(r.Context())
		r = r.WithContext(ctx)
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
			route := routeOf(r)
			m.requests.WithLabelValues(route, methodLabel(r.Method), strconv.Itoa(status)).Inc()
			m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
			m.stmts.WithLabelValues(route).Observe(float64(stmts.Load()))
		}()
		next.ServeHTTP(rec, r)
		completed = true
	})
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}
