package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestValidRequestID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"", false},
		{"abc-123_x.y:z", true},
		{"0f3a9c", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"has space", false},
		{"new\nline", false},
		{`quote"d`, false},
		{"ümlaut", false},
	}
	for _, tt := range tests {
		if got := ValidRequestID(tt.id); got != tt.want {
			t.Errorf("ValidRequestID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestAssignRequestID(t *testing.T) {
	tests := []struct {
		name     string
		incoming string
		keep     bool
	}{
		{"none", "", false},
		{"sane", "client-abc.123", true},
		{"forged log line", "x\" level=ERROR msg=\"", false},
		{"too long", strings.Repeat("9", 100), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inCtx string
			h := AssignRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				inCtx = RequestID(r.Context())
			}))
			req := httptest.NewRequest("GET", "/x", nil)
			if tt.incoming != "" {
				req.Header.Set(RequestIDHeader, tt.incoming)
			}
			rr := httptest.NewRecorder()
			h.ServeHTTP(rr, req)
			got := rr.Header().Get(RequestIDHeader)
			if got == "" || got != inCtx {
				t.Fatalf("header %q, context %q: want the same non-empty id", got, inCtx)
			}
			if tt.keep && got != tt.incoming {
				t.Errorf("id = %q, want the incoming %q", got, tt.incoming)
			}
			if !tt.keep && (got == tt.incoming || len(got) != 32) {
				t.Errorf("id = %q, want a fresh 32-character id", got)
			}
		})
	}
}

func TestNewRequestIDUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewRequestID()
		if seen[id] || !ValidRequestID(id) {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}
