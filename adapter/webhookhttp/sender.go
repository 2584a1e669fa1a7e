// Package webhookhttp delivers webhook events over HTTP (webhook.Sender):
// one POST per attempt, redirects not followed, the answer's body read up
// to 1 KB, and every connection refused whose address is not public
// (loopback, private, link-local: webhook.Blocked) unless the operator
// allows private targets — checked on the address actually dialled, after
// name resolution, so a name that resolves to an internal address (or
// changes to one later) is refused too.
package webhookhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"mietwerk.dev/mietwerk/webhook"
)

// Config tunes the Sender.
type Config struct {
	// AllowPrivate lets requests go to non-public addresses (development
	// and tests).
	AllowPrivate bool
	// Timeout bounds one attempt, connection to answer (default 15 s).
	Timeout time.Duration
	// UserAgent is sent with every request (default "Mietwerk-Webhooks/1").
	UserAgent string
}

// Sender is the HTTP webhook.Sender.
type Sender struct {
	client *http.Client
	ua     string
}

var _ webhook.Sender = (*Sender)(nil)

// ErrBlockedAddress is the cause of a refused connection to a non-public
// address.
var ErrBlockedAddress = errors.New("the address is not on the public internet; webhooks go to public servers only")

// New returns a sender.
func New(cfg Config) *Sender {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "Mietwerk-Webhooks/1"
	}
	d := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	if !cfg.AllowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook: dial %s: %w", address, err)
			}
			if webhook.Blocked(ap.Addr()) {
				return fmt.Errorf("webhook: dial %s: %w", address, ErrBlockedAddress)
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil, // never through a proxy from the environment: the address check must see the target
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	return &Sender{ua: cfg.UserAgent, client: &http.Client{Transport: tr, Timeout: cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// maxBody is how much of an answer's body is read and kept.
const maxBody = 1024

// Send POSTs r and returns the answer (status, start of the body, a
// Retry-After in seconds or as a date). An error means no answer: the
// connection failed, timed out or was refused (ErrBlockedAddress).
func (s *Sender) Send(ctx context.Context, r webhook.Request) (webhook.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, strings.NewReader(string(r.Body)))
	if err != nil {
		return webhook.Response{}, err
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", s.ua)
	resp, err := s.client.Do(req)
	if err != nil {
		return webhook.Response{}, cleanError(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	out := webhook.Response{Status: resp.StatusCode, Body: text(b)}
	if v := resp.Header.Get("Retry-After"); v != "" && (resp.StatusCode == 429 || resp.StatusCode == 503) {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			out.RetryAfter = time.Duration(n) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			out.RetryAfter = time.Until(t)
		}
	}
	return out, nil
}

// text returns b as valid UTF-8 without control characters other than
// line breaks and tabs (it is shown in the admin web).
func text(b []byte) string {
	if len(b) == maxBody { // cut mid-character: drop the partial one
		for i := 0; i < utf8.UTFMax && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	s := strings.ToValidUTF8(string(b), "�")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// cleanError removes the request's method and URL from a client error (the
// URL is in the delivery log already) and says what happened.
func cleanError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			if errors.Is(inner, context.DeadlineExceeded) || strings.Contains(inner.Error(), "Client.Timeout") {
				return errors.New("no answer within the timeout")
			}
			return inner
		}
	}
	return err
}
