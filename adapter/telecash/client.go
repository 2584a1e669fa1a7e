// Package telecash is the adapter for the Telecash / Fiserv IPG
// ("Internet Payment Gateway") REST API v2. *Client implements
// payment.Gateway.
//
// Every request carries the Content-Type, Api-Key, Client-Request-Id (a
// fresh UUID v4 per HTTP request), Timestamp (epoch ms) and
// Message-Signature headers; the signature is
// Base64(HMAC-SHA256(secret, apiKey+clientRequestId+timestamp+body)) over
// the exact bytes sent. The adapter never retries. A transport failure
// that proves the request never left this machine — no connection could be
// made (refused, DNS, TLS handshake, dial timeout), so not even the request
// headers were written (seen through net/http/httptrace) — is returned as an
// error (errs.KindUnavailable, code ErrCodeNotSent): nothing was sent. Every
// other failure — a timeout or broken connection after the request was
// written, a 5xx — is reported as payment.Unknown, to be resolved by
// inquiry. Card numbers and security codes are sent in request bodies
// only; bodies are never logged and never part of an error.
package telecash

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payment"
)

// Base URLs of the EMEA IPG REST API v2. The simulator serves the
// production path under its own host.
const (
	ProductionURL = "https://prod.emea.api.fiservapps.com/ipp/payments-gateway/v2"
	SandboxURL    = "https://prod.emea.api.fiservapps.com/sandbox/ipp/payments-gateway/v2"
)

// DefaultTimeout bounds one HTTP exchange when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// maxResponseBytes bounds how much of a response body is read.
const maxResponseBytes = 1 << 20

// Config configures a Client. APIKey and APISecret are required.
type Config struct {
	BaseURL   string // default ProductionURL; no trailing slash needed
	APIKey    string
	APISecret string
	StoreID   string // optional; sent as storeId when set (≤20 characters)

	// Timeout bounds each HTTP exchange, from sending to reading the whole
	// answer (default DefaultTimeout). The caller's context may end it sooner.
	Timeout time.Duration
	// HTTPClient sends the requests (default: a client that does not
	// follow redirects). Its own Timeout, if any, also applies.
	HTTPClient *http.Client
	// Now is the clock for the Timestamp header (default time.Now).
	Now func() time.Time
	// NewRequestID returns a fresh Client-Request-Id (default NewUUID).
	NewRequestID func() string
	// Logger receives one record per exchange (default: discard). Records
	// never contain request bodies or card data.
	Logger *slog.Logger
}

// Client talks to one IPG store. It is safe for concurrent use.
type Client struct {
	base      string
	apiKey    string
	apiSecret string
	storeID   string
	timeout   time.Duration
	hc        *http.Client
	now       func() time.Time
	newID     func() string
	log       *slog.Logger
}

var _ payment.Gateway = (*Client)(nil)

// New checks cfg and returns a Client, or a KindInvalid error naming the
// bad settings.
func New(cfg Config) (*Client, error) {
	var f errs.Fields
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = ProductionURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		f.Add("baseURL", "telecash.base_url")
	}
	if cfg.APIKey == "" {
		f.Add("apiKey", "field.required")
	}
	if cfg.APISecret == "" {
		f.Add("apiSecret", "field.required")
	}
	if len(cfg.StoreID) > 20 {
		f.Add("storeId", "field.too_long", locale.Params{"n": 20})
	}
	if cfg.Timeout < 0 {
		f.Add("timeout", "field.not_negative")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	c := &Client{
		base: base, apiKey: cfg.APIKey, apiSecret: cfg.APISecret, storeID: cfg.StoreID,
		timeout: cfg.Timeout, hc: cfg.HTTPClient, now: cfg.Now, newID: cfg.NewRequestID, log: cfg.Logger,
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.hc == nil {
		c.hc = &http.Client{Transport: newTransport(), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.newID == nil {
		c.newID = NewUUID
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// ErrCodeNotSent is the error code of a request that provably never left
// (see the package documentation).
const ErrCodeNotSent = "gateway_unavailable"

// exchange is the raw result of one HTTP exchange.
type exchange struct {
	status          int
	body            []byte
	err             error // transport failure: no (complete) answer
	notSent         bool  // err came before a byte of the request was written
	clientRequestID string
}

// notSentError is the error of an exchange whose request never left.
func notSentError(ex exchange) error {
	e := errs.New(errs.KindUnavailable, ErrCodeNotSent)
	e.Err = reasonErr(redactErr(ex.err))
	return e
}

// send marshals payload once (nil: empty body), signs and sends exactly
// those bytes, and reads the answer. It never retries.
func (c *Client) send(ctx context.Context, method, path string, payload any) exchange {
	var raw []byte
	if payload != nil {
		var err error
		if raw, err = marshal(payload); err != nil {
			return exchange{err: err}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	id := c.newID()
	ts := strconv.FormatInt(c.now().UnixMilli(), 10)
	var body io.Reader = http.NoBody
	if raw != nil {
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return exchange{err: fmt.Errorf("build request: %w", err), clientRequestID: id}
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	h.Set("Api-Key", c.apiKey)
	h.Set("Client-Request-Id", id)
	h.Set("Timestamp", ts)
	h.Set("Message-Signature", Sign(c.apiKey, c.apiSecret, id, ts, raw))

	// The request has left once its headers are written: after that a
	// failure may come after the gateway received (and processed) it.
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.Store(true) },
	}))
	resp, err := c.hc.Do(req)
	if err != nil {
		return exchange{err: err, notSent: !wrote.Load(), clientRequestID: id}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return exchange{status: resp.StatusCode, err: fmt.Errorf("read response: %w", err), clientRequestID: id}
	}
	return exchange{status: resp.StatusCode, body: b, clientRequestID: id}
}

// transportReason classifies a transport failure.
func transportReason(err error) payment.Reason {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return payment.Reason{Code: payment.ReasonTimeout, Message: redactErr(err)}
	}
	return payment.Reason{Code: payment.ReasonConnection, Message: redactErr(err)}
}

// storeQuery returns "?storeId=..." for GET/DELETE paths when a store is set.
func (c *Client) storeQuery() string {
	if c.storeID == "" {
		return ""
	}
	return "?storeId=" + url.QueryEscape(c.storeID)
}

// logResult writes one record per exchange. Only identifiers, the status
// and the outcome are logged.
func (c *Client) logResult(ctx context.Context, method, path string, ex exchange, r payment.Result, started time.Time) {
	lvl := slog.LevelInfo
	if r.Outcome == payment.Unknown || r.Reason.Code == payment.ReasonGatewayAuth {
		lvl = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("op", string(r.Operation)),
		slog.String("method", method),
		slog.String("path", redactPath(path)),
		slog.Int("status", ex.status),
		slog.String("outcome", string(r.Outcome)),
		slog.String("client_request_id", ex.clientRequestID),
		slog.String("merchant_transaction_id", r.MerchantTransactionID),
		slog.String("order_id", r.OrderID),
		slog.String("ipg_transaction_id", r.TransactionID),
		slog.Duration("elapsed", time.Since(started)),
	}
	if r.Outcome != payment.Approved {
		attrs = append(attrs, slog.String("reason", string(r.Reason.Code)), slog.String("gateway_code", r.Reason.GatewayCode),
			slog.String("message", r.Reason.Message))
	}
	c.log.LogAttrs(ctx, lvl, "telecash exchange", attrs...)
}

// idleConnsPerHost is how many connections to the gateway stay open for
// reuse. Go's default (2) makes concurrent payments open — and close — a new
// TLS connection for nearly every request: a handshake each (CPU and a round
// trip) and, under load, thousands of sockets in TIME_WAIT until the
// machine runs out of local ports.
const idleConnsPerHost = 64

// newTransport is Go's default transport keeping idleConnsPerHost
// connections per host.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = max(t.MaxIdleConns, idleConnsPerHost)
	t.MaxIdleConnsPerHost = idleConnsPerHost
	return t
}
