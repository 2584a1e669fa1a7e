package httpx

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecover(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		accept   string
		wantType string
	}{
		{"html page", "/admin/x", "text/html", "text/plain; charset=utf-8"},
		{"api path", "/api/v1/x", "", "application/problem+json"},
		{"json client", "/other", "application/json", "application/problem+json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, records := jsonLogger(t)
			h := AssignRequestID(AccessLog(l)(Recover(l)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Secret-Header", "leak")
				panic("secret internal detail")
			}))))
			req := httptest.NewRequest("GET", tt.path, nil)
			req.Header.Set(RequestIDHeader, "req-77")
			req.Header.Set("Accept", tt.accept)
			rr := httptest.NewRecorder()
			h.ServeHTTP(rr, req)
			if rr.Code != 500 {
				t.Fatalf("status %d, want 500", rr.Code)
			}
			if ct := rr.Header().Get("Content-Type"); ct != tt.wantType {
				t.Errorf("content type %q, want %q", ct, tt.wantType)
			}
			body := rr.Body.String()
			if strings.Contains(body, "secret") || !strings.Contains(body, "req-77") || rr.Header().Get("X-Secret-Header") != "" {
				t.Errorf("body %q / headers %v: want the request id and no internal detail", body, rr.Header())
			}
			if tt.wantType == "application/problem+json" {
				var p map[string]any
				if err := json.Unmarshal(rr.Body.Bytes(), &p); err != nil || p["status"] != 500.0 {
					t.Errorf("problem body %q: %v", body, err)
				}
			}
			rs := records()
			var panicLogged, accessLogged bool
			for _, r := range rs {
				if r["msg"] == "panic serving request" && r["request_id"] == "req-77" &&
					r["panic"] == "secret internal detail" && strings.Contains(r["stack"].(string), "recover_test.go") {
					panicLogged = true
				}
				if r["msg"] == "request" && r["status"] == 500.0 && r["request_id"] == "req-77" {
					accessLogged = true
				}
			}
			if !panicLogged || !accessLogged {
				t.Errorf("logs %v: want the panic with request id and stack, and an access line with 500", rs)
			}
		})
	}
}

func TestRecoverAfterHeadersAborts(t *testing.T) {
	l, _ := jsonLogger(t)
	h := Recover(l)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		panic("late")
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: the started 200 must stay", resp.StatusCode)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatalf("body ended cleanly; want the connection aborted so the client sees a truncated response")
	}
}

func TestRecoverPassesAbortHandler(t *testing.T) {
	l, records := jsonLogger(t)
	h := Recover(l)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler passed on", v)
		}
		if len(records()) != 0 {
			t.Errorf("ErrAbortHandler was logged as a panic")
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}
