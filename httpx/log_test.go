package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// jsonLogger returns a logger writing JSON lines through NewLogHandler, and
// a function returning the records written so far.
func jsonLogger(t *testing.T) (*slog.Logger, func() []map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	l := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	return l, func() []map[string]any {
		var out []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if line == "" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("log line %q is not JSON: %v", line, err)
			}
			out = append(out, m)
		}
		return out
	}
}

func TestLogHandlerAddsRequestID(t *testing.T) {
	l, records := jsonLogger(t)
	ctx := WithRequestID(context.Background(), "rid-1")
	l.InfoContext(ctx, "with id")
	l.With("a", 1).WithGroup("g").InfoContext(ctx, "derived", "b", 2)
	l.Info("without id")
	rs := records()
	if len(rs) != 3 {
		t.Fatalf("%d records, want 3", len(rs))
	}
	if rs[0]["request_id"] != "rid-1" {
		t.Errorf("first record %v lacks request_id", rs[0])
	}
	if g, _ := rs[1]["g"].(map[string]any); rs[1]["request_id"] != "rid-1" && (g == nil || g["request_id"] != "rid-1") {
		t.Errorf("derived logger record %v lacks request_id", rs[1])
	}
	if _, ok := rs[2]["request_id"]; ok {
		t.Errorf("record without context got a request_id: %v", rs[2])
	}
}

func TestAccessLog(t *testing.T) {
	l, records := jsonLogger(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte("hello"))
	})
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad", http.StatusBadGateway)
	})
	h := AssignRequestID(AccessLog(l)(mux))

	tests := []struct {
		path       string
		route      string
		status     float64
		bytes      float64
		level      string
		requestID  string
		wantHeader bool
	}{
		{"/things/42", "GET /things/{id}", 201, 5, "INFO", "abc", true},
		{"/nowhere", RouteUnmatched, 404, -1, "INFO", "", false},
		{"/boom", "GET /boom", 502, -1, "WARN", "", false},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", tt.path, nil)
		if tt.requestID != "" {
			req.Header.Set(RequestIDHeader, tt.requestID)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
		rs := records()
		r := rs[len(rs)-1]
		if r["msg"] != "request" || r["route"] != tt.route || r["status"] != tt.status || r["path"] != tt.path ||
			r["method"] != "GET" || r["level"] != tt.level {
			t.Errorf("%s: access log %v", tt.path, r)
		}
		if tt.bytes >= 0 && r["bytes"] != tt.bytes {
			t.Errorf("%s: bytes = %v, want %v", tt.path, r["bytes"], tt.bytes)
		}
		if _, ok := r["duration_ms"].(float64); !ok {
			t.Errorf("%s: no duration_ms in %v", tt.path, r)
		}
		id, _ := r["request_id"].(string)
		if id == "" || (tt.requestID != "" && id != tt.requestID) {
			t.Errorf("%s: request_id = %q", tt.path, id)
		}
	}
}

func TestSetRouteOverridesPattern(t *testing.T) {
	l, records := jsonLogger(t)
	inner := http.NewServeMux()
	inner.HandleFunc("GET /admin/vehicles/{id}", func(w http.ResponseWriter, r *http.Request) {
		SetRoute(r.Context(), r.Pattern)
	})
	outer := http.NewServeMux()
	// the inner handler sees a cloned request, as behind session middleware
	outer.Handle("/admin/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), struct{}{}, 1)))
	}))
	AccessLog(l)(outer).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/admin/vehicles/7", nil))
	rs := records()
	if got := rs[len(rs)-1]["route"]; got != "GET /admin/vehicles/{id}" {
		t.Errorf("route = %v, want the inner pattern", got)
	}
}
