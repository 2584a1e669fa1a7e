package webhookhttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/webhookhttp"
	"mietwerk.dev/mietwerk/webhook"
)

func TestSendPostsBodyAndHeaders(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, body = r, must(io.ReadAll(r.Body))
		w.WriteHeader(202)
		io.WriteString(w, strings.Repeat("ä", 600)+"\x00\x1b[31m") // 1,200 bytes, control characters
	}))
	defer srv.Close()
	s := webhookhttp.New(webhookhttp.Config{AllowPrivate: true, Timeout: 5 * time.Second})
	resp, err := s.Send(context.Background(), webhook.Request{URL: srv.URL + "/hook?x=1", Body: []byte(`{"type":"booking.confirmed"}`),
		Headers: map[string]string{"webhook-id": "msg_1", "Content-Type": "application/json"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodPost || got.URL.Path != "/hook" || got.Header.Get("webhook-id") != "msg_1" ||
		got.Header.Get("Content-Type") != "application/json" || got.Header.Get("User-Agent") != "Mietwerk-Webhooks/1" ||
		string(body) != `{"type":"booking.confirmed"}` {
		t.Fatalf("request %s %s %v %q", got.Method, got.URL, got.Header, body)
	}
	if resp.Status != 202 || len(resp.Body) > 1024 || !strings.HasPrefix(resp.Body, "ää") || strings.ContainsAny(resp.Body, "\x00\x1b�") {
		t.Fatalf("response %d %q (%d bytes)", resp.Status, resp.Body, len(resp.Body))
	}
}

func TestSendRefusesPrivateAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	s := webhookhttp.New(webhookhttp.Config{Timeout: 5 * time.Second})
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1), "http://[::1]:1/", "http://169.254.169.254/latest/meta-data/"} {
		_, err := s.Send(context.Background(), webhook.Request{URL: u, Body: []byte("{}")})
		if !errors.Is(err, webhookhttp.ErrBlockedAddress) {
			t.Errorf("%s: %v, want ErrBlockedAddress", u, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the loopback receiver got %d requests", hits.Load())
	}
}

func TestSendDoesNotFollowRedirectsAndReadsRetryAfter(t *testing.T) {
	var followed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/target", http.StatusFound) })
	mux.HandleFunc("/target", func(w http.ResponseWriter, r *http.Request) { followed.Add(1) })
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(429)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	s := webhookhttp.New(webhookhttp.Config{AllowPrivate: true, Timeout: 5 * time.Second})
	resp, err := s.Send(context.Background(), webhook.Request{URL: srv.URL + "/moved", Body: []byte("{}")})
	if err != nil || resp.Status != http.StatusFound || followed.Load() != 0 {
		t.Fatalf("redirect: %+v %v, followed %d", resp, err, followed.Load())
	}
	resp, err = s.Send(context.Background(), webhook.Request{URL: srv.URL + "/busy", Body: []byte("{}")})
	if err != nil || resp.Status != 429 || resp.RetryAfter != 2*time.Minute {
		t.Fatalf("429: %+v %v", resp, err)
	}
}

func TestSendTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer func() { close(release); srv.Close() }()
	s := webhookhttp.New(webhookhttp.Config{AllowPrivate: true, Timeout: 300 * time.Millisecond})
	_, err := s.Send(context.Background(), webhook.Request{URL: srv.URL, Body: []byte("{}")})
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("slow receiver: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
