package httpx

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCompress(t *testing.T) {
	page := strings.Repeat("<tr><td>REG-AK 101</td><td>Volkswagen Golf</td></tr>\n", 200)
	pdf := []byte("%PDF-1.4 binary")
	h := Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/page":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, page)
		case "/pdf":
			w.Header().Set("Content-Type", "application/pdf")
			w.Header().Set("Content-Length", "15")
			w.Write(pdf)
		case "/sniffed":
			io.WriteString(w, "plain words")
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	get := func(path, ae string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		if ae != "" {
			req.Header.Set("Accept-Encoding", ae)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := get("/page", "gzip, deflate, br")
	if rec.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("html not compressed: %v", rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if string(got) != page || rec.Body.Len() > len(page)/5 {
		t.Fatalf("round trip: %d bytes back, %d compressed of %d", len(got), rec.Body.Len(), len(page))
	}
	if rec := get("/page", ""); rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != page {
		t.Fatal("compressed for a client that does not accept gzip")
	}
	if rec := get("/page", "gzip;q=0"); rec.Header().Get("Content-Encoding") != "" {
		t.Fatal("compressed although gzip;q=0")
	}
	if rec := get("/pdf", "gzip"); rec.Header().Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), pdf) || rec.Header().Get("Content-Length") != "15" {
		t.Fatalf("pdf changed: %v", rec.Header())
	}
	if rec := get("/sniffed", "gzip"); rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("sniffed text not compressed: %v", rec.Header())
	}
	if rec := get("/empty", "gzip"); rec.Code != http.StatusNoContent || rec.Header().Get("Content-Encoding") != "" || rec.Body.Len() != 0 {
		t.Fatal("204 got a body or encoding")
	}
}
