package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/internal/testenv"
)

func testServer(t *testing.T) (*server, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseConfig(t, modeDemo, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	svc, err := newServices(cfg, log, st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.close)
	return &server{cfg: cfg, log: log, st: st, svc: svc, metrics: httpx.NewMetrics()}, st
}

func TestRootRoutes(t *testing.T) {
	s, _ := testServer(t)
	h := s.handler()
	tests := []struct {
		path     string
		status   int
		location string
	}{
		{"/", http.StatusFound, "/admin/"},
		{"/healthz", 200, ""},
		{"/readyz", 200, ""},
		{"/metrics", 200, ""},
		{"/admin", http.StatusTemporaryRedirect, "/admin/"},
		{"/admin/login", 200, ""},
		{"/nothing-here", 404, ""},
	}
	for _, tt := range tests {
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, httptest.NewRequest("GET", tt.path, nil))
		if rr.Code != tt.status || rr.Header().Get("Location") != tt.location {
			t.Errorf("GET %s: %d to %q, want %d to %q", tt.path, rr.Code, rr.Header().Get("Location"), tt.status, tt.location)
		}
		if rr.Header().Get(httpx.RequestIDHeader) == "" {
			t.Errorf("GET %s: no request id header", tt.path)
		}
	}
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rr.Body.String(), `http_requests_total{method="GET",route="unmatched",status="404"} 1`) {
		t.Errorf("unmatched requests are not counted under one label")
	}
}

func TestReadyz(t *testing.T) {
	s, st := testServer(t)
	h := s.handler()
	status := func() int {
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, httptest.NewRequest("GET", "/readyz", nil))
		return rr.Code
	}
	if got := status(); got != 200 {
		t.Errorf("ready: %d", got)
	}
	s.draining.Store(true)
	if got := status(); got != 503 {
		t.Errorf("draining: %d, want 503", got)
	}
	s.draining.Store(false)
	st.Close()
	if got := status(); got != 503 {
		t.Errorf("database closed: %d, want 503", got)
	}
}

// serve stops when its context ends and returns nil after draining.
func TestServeStopsOnContext(t *testing.T) {
	s, st := testServer(t)
	cfg := s.cfg
	cfg.Addr = "127.0.0.1:0"
	cfg.ShutdownTimeout = 5 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- serve(ctx, cfg, s.log, st, func(a string) { addrc <- a }) }()
	addr := <-addrc
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after its context ended")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Errorf("still accepting after shutdown")
	}
}

// --db-max-conns reaches the PostgreSQL pool: the process opens at most
// that many connections (the option's default is the store's).
func TestOpenStorePoolSize(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	for _, args := range [][]string{nil, {"--db-max-conns", "3"}} {
		cfg, err := parseConfig(t, modeServe, append(args, "--database-url", dsn, "--data-dir", t.TempDir()), nil)
		if err != nil {
			t.Fatal(err)
		}
		st, err := openStore(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		want := store.DefaultMaxOpenConns
		if args != nil {
			want = 3
		}
		if got := st.DB().Stats().MaxOpenConnections; got != want {
			t.Errorf("%v: pool of %d connections, want %d", args, got, want)
		}
		st.Close()
	}
}
