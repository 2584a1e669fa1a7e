package telecashsim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"mime"
	"net/http"
	"strconv"
	"time"
)

// authenticate checks one request and returns a non-zero status with the
// error body's responseType and message when it must be refused.
func (s *Simulator) authenticate(r *http.Request, body []byte) (int, string, string) {
	for _, h := range []string{"Api-Key", "Client-Request-Id", "Timestamp", "Message-Signature"} {
		if r.Header.Get(h) == "" {
			return http.StatusUnauthorized, "Unauthenticated", "Missing header " + h
		}
	}
	if r.Method == http.MethodPost {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			return http.StatusUnsupportedMediaType, "UnsupportedMediaType", "Content-Type must be application/json"
		}
	}
	key, id, ts, sig := r.Header.Get("Api-Key"), r.Header.Get("Client-Request-Id"), r.Header.Get("Timestamp"), r.Header.Get("Message-Signature")
	if !hmac.Equal([]byte(key), []byte(s.opts.APIKey)) {
		return http.StatusUnauthorized, "Unauthenticated", "Invalid API key"
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return http.StatusUnauthorized, "Unauthenticated", "Timestamp must be epoch milliseconds"
	}
	now := s.opts.Now()
	if d := now.Sub(time.UnixMilli(ms)); d > window || d < -window {
		return http.StatusUnauthorized, "Unauthenticated", "Timestamp outside the allowed window"
	}
	if !s.signatureOK(key, id, ts, body, sig) {
		return http.StatusUnauthorized, "Unauthenticated", "Invalid message signature"
	}
	if !s.useNonce(id, now) {
		return http.StatusUnauthorized, "Unauthenticated", "Client-Request-Id already used"
	}
	return 0, "", ""
}

func (s *Simulator) signatureOK(key, id, ts string, body []byte, sig string) bool {
	m := hmac.New(sha256.New, []byte(s.opts.APISecret))
	m.Write([]byte(key + id + ts))
	m.Write(body)
	d := m.Sum(nil)
	if hmac.Equal([]byte(sig), []byte(base64.StdEncoding.EncodeToString(d))) {
		return true
	}
	return !s.opts.DisableHexSignature &&
		hmac.Equal([]byte(sig), []byte(base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(d)))))
}

// useNonce records a Client-Request-Id and reports false when it was seen
// within the window. Ids older than the window are forgotten.
func (s *Simulator) useNonce(id string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.nonceLog) > 0 && now.Sub(s.nonceLog[0].at) > window {
		if s.nonces[s.nonceLog[0].id].Equal(s.nonceLog[0].at) {
			delete(s.nonces, s.nonceLog[0].id)
		}
		s.nonceLog = s.nonceLog[1:]
	}
	if at, ok := s.nonces[id]; ok && now.Sub(at) <= window {
		return false
	}
	s.nonces[id] = now
	s.changed = true
	s.nonceLog = append(s.nonceLog, nonceEntry{id: id, at: now})
	return true
}
