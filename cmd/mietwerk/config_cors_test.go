package main

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestConfigAPICORSOrigins(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"default none", nil, nil, "", ""},
		{"flag list", []string{"--api-cors-origins", "https://www.autohaus-koenig.de, https://Autohaus-Koenig.de/"}, nil,
			"https://www.autohaus-koenig.de,https://autohaus-koenig.de", ""},
		{"env with port", nil, map[string]string{"MIETWERK_API_CORS_ORIGINS": "http://localhost:3000"}, "http://localhost:3000", ""},
		{"any", nil, map[string]string{"MIETWERK_API_CORS_ORIGINS": "*"}, "*", ""},
		{"flag beats env", []string{"--api-cors-origins", "https://a.example"}, map[string]string{"MIETWERK_API_CORS_ORIGINS": "https://b.example"},
			"https://a.example", ""},
		{"path", []string{"--api-cors-origins", "https://a.example/booking"}, nil, "", "--api-cors-origins"},
		{"no scheme", nil, map[string]string{"MIETWERK_API_CORS_ORIGINS": "www.autohaus.de"}, "", "MIETWERK_API_CORS_ORIGINS"},
		{"ftp", []string{"--api-cors-origins", "ftp://a.example"}, nil, "", "comma-separated origins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(t, modeServe, tt.args, tt.env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.APICORSOrigins != tt.want {
				t.Fatalf("origins %q, want %q", cfg.APICORSOrigins, tt.want)
			}
			if cfg.DemoAPIKey != "" {
				t.Fatal("serve must never fill the demo key")
			}
		})
	}
}

// The configured origins reach the API handler: a preflight from a listed
// origin is allowed, one from another origin is not.
func TestAPICORSOriginsWired(t *testing.T) {
	cfg, err := parseConfig(t, modeServe, []string{"--api-cors-origins", "https://www.autohaus-koenig.de"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newAPIHandler(&services{cfg: cfg}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for origin, want := range map[string]string{"https://www.autohaus-koenig.de": "https://www.autohaus-koenig.de", "https://evil.example": ""} {
		req := httptest.NewRequest("OPTIONS", "/api/v1/bookings", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("preflight from %s: Access-Control-Allow-Origin %q, want %q", origin, got, want)
		}
	}
}
