package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestHSTSOnlyOverHTTPS: Strict-Transport-Security is sent when the
// request came through a trusted proxy that says https, not over plain
// HTTP and not when an untrusted client claims https.
func TestHSTSOnlyOverHTTPS(t *testing.T) {
	s, _ := testServer(t)
	s.cfg.TrustedProxies = "192.0.2.0/24"
	h := s.handler()
	get := func(peer, proto string) string {
		r := httptest.NewRequest("GET", "/admin/login", nil)
		r.RemoteAddr = peer + ":1234"
		if proto != "" {
			r.Header.Set("X-Forwarded-Proto", proto)
		}
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, r)
		return rr.Header().Get("Strict-Transport-Security")
	}
	if got := get("192.0.2.10", "https"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("through the trusted proxy over https: %q", got)
	}
	if got := get("192.0.2.10", ""); got != "" {
		t.Errorf("plain http: %q", got)
	}
	if got := get("198.51.100.1", "https"); got != "" {
		t.Errorf("untrusted client claiming https: %q", got)
	}
}

// TestMetricsOnOwnAddress: with --metrics-addr, /metrics answers there
// and no longer on the public address.
func TestMetricsOnOwnAddress(t *testing.T) {
	s, st := testServer(t)
	cfg := s.cfg
	cfg.Addr, cfg.MetricsAddr, cfg.ShutdownTimeout = "127.0.0.1:0", "127.0.0.1:0", 5*time.Second
	ln, err := listenFree()
	if err != nil {
		t.Fatal(err)
	}
	cfg.MetricsAddr = ln
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- serve(ctx, cfg, s.log, st, func(a string) { addrc <- a }) }()
	addr := <-addrc
	status := func(url string) (int, string) {
		for i := 0; ; i++ {
			resp, err := http.Get(url)
			if err != nil {
				if i < 50 {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, string(b)
		}
	}
	status("http://" + addr + "/admin/login")
	status("http://" + addr + "/api/v1/openapi.json")
	code, body := status("http://" + cfg.MetricsAddr + "/metrics")
	if code != 200 || !strings.Contains(body, "http_requests_total") {
		t.Errorf("metrics address: %d", code)
	}
	// requests are labelled by the application's route patterns, not by
	// the prefix the application is mounted at
	for _, want := range []string{`route="GET /admin/login"`, `route="GET /api/v1/openapi.json"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, `route="/admin/"`) {
		t.Errorf("/metrics labels admin requests by their prefix")
	}
	if code, _ := status("http://" + addr + "/metrics"); code != 404 {
		t.Errorf("/metrics on the public address: %d, want 404", code)
	}
	cancel()
	<-errc
}

// listenFree returns a free local address.
func listenFree() (string, error) {
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
