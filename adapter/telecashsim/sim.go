package telecashsim

import (
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Prefix is the path prefix the simulator serves, the same as production.
const Prefix = "/ipp/payments-gateway/v2"

// Credentials used when Options leave them empty.
const (
	DefaultAPIKey    = "sim-api-key"
	DefaultAPISecret = "sim-api-secret"
	DefaultStoreID   = "sim-store"
)

// The magic amounts, in minor units (see the package documentation).
const (
	AmountServerErrorAfterCommit int64 = 66600
	AmountBadGatewayNoCommit     int64 = 66602
	AmountHangAfterCommit        int64 = 66604
	AmountSlow                   int64 = 66610
)

// The magic cards (see the package documentation).
const (
	CardApproveVisa       = "4111111111111111"
	CardApproveMastercard = "5424180279791732"
	CardDecline           = "4000000000000002"
	CardExpired           = "4000000000000069"
	CardInsufficientFunds = "4000000000009995"
	Card3DSChallenge      = "4147463011110109"
)

// window is how far Timestamp may be off and how long Client-Request-Ids
// are remembered.
const window = 5 * time.Minute

// maxBody bounds a request body.
const maxBody = 64 << 10

// Options configure a Simulator. The zero value works: default
// credentials, the real clock, variant-B signatures accepted.
type Options struct {
	APIKey    string // default DefaultAPIKey
	APISecret string // default DefaultAPISecret
	StoreID   string // default DefaultStoreID
	// Now is the simulator's clock (default time.Now).
	Now func() time.Time
	// DisableHexSignature rejects variant-B signatures (Base64 of the hex
	// digest); by default they are accepted like variant A.
	DisableHexSignature bool
	// FaultDelay is how long the "hang" amount waits before answering
	// (default 40s). The wait ends early when the client goes away.
	FaultDelay time.Duration
	// SlowDelay is how long the "slow" amount waits (default 2s).
	SlowDelay time.Duration
	// Logger receives one record per request (default: discard). Records
	// never contain bodies or card data.
	Logger *slog.Logger
	// StateFile, when set, keeps the simulator's state (transactions,
	// orders, tokens, recent Client-Request-Ids) across restarts: NewServer
	// and Run load it at start when it exists, and write it (atomically) a
	// second after a change, at Close/shutdown and at Server.Restart. A
	// process killed outright loses at most the last second.
	StateFile string
}

// Simulator is the gateway simulator; it is an http.Handler and safe for
// concurrent use. All state lives in memory behind one mutex.
type Simulator struct {
	opts     Options
	mux      *http.ServeMux
	requests atomic.Int64 // every request served, for tests that count gateway calls

	mu       sync.Mutex
	seq      int64                // id counter
	nonces   map[string]time.Time // Client-Request-Id → first seen
	nonceLog []nonceEntry         // in arrival order, for pruning
	txns     map[string]*txn      // by ipgTransactionId
	byMerch  map[string]*txn      // by merchantTransactionId
	orders   map[string]*order
	orderSeq []string // order ids in creation order
	tokens   map[string]*token
	schemes  map[string]string // schemeTransactionId → card key
	changed  bool              // state changed since it was last saved

	fmu    sync.Mutex // guards faults
	faults faultState

	inflight sync.WaitGroup // requests being handled (a late delivery waits outside the locks)
}

type nonceEntry struct {
	id string
	at time.Time
}

// New returns a Simulator with opts (defaults filled in).
func New(opts Options) *Simulator {
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	if opts.APISecret == "" {
		opts.APISecret = DefaultAPISecret
	}
	if opts.StoreID == "" {
		opts.StoreID = DefaultStoreID
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.FaultDelay == 0 {
		opts.FaultDelay = 40 * time.Second
	}
	if opts.SlowDelay == 0 {
		opts.SlowDelay = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Simulator{opts: opts}
	s.resetLocked()
	s.setFaults(FaultPlan{})
	m := http.NewServeMux()
	m.HandleFunc("POST "+Prefix+"/payments", s.authed(s.handlePrimary))
	m.HandleFunc("GET "+Prefix+"/payments/{id}", s.authed(s.handleInquiry))
	m.HandleFunc("POST "+Prefix+"/payments/{id}", s.authed(s.handleSecondary))
	m.HandleFunc("GET "+Prefix+"/orders/{id}", s.authed(s.handleOrderInquiry))
	m.HandleFunc("POST "+Prefix+"/orders/{id}", s.authed(s.handleOrderSecondary))
	m.HandleFunc("POST "+Prefix+"/payment-tokens", s.authed(s.handleTokenCreate))
	m.HandleFunc("GET "+Prefix+"/payment-tokens/{id}", s.authed(s.handleTokenGet))
	m.HandleFunc("DELETE "+Prefix+"/payment-tokens/{id}", s.authed(s.handleTokenDelete))
	m.HandleFunc("GET /sim/faults", s.handleAdminFaults)
	m.HandleFunc("PUT /sim/faults", s.handleAdminFaults)
	m.HandleFunc("GET /sim/transactions", s.handleAdminTransactions)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, r.Header.Get("Client-Request-Id"), "", "NotFound", "404", "No such resource", nil)
	})
	s.mux = m
	return s
}

// Requests returns how many requests the simulator has served (whatever
// their outcome): a test that something never reached the gateway counts.
func (s *Simulator) Requests() int64 { return s.requests.Load() }

// ServeHTTP serves the simulated gateway API.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	start := time.Now()
	rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rw, r)
	s.opts.Logger.LogAttrs(r.Context(), slog.LevelInfo, "telecashsim request",
		slog.String("method", r.Method), slog.String("path", logPath(r.URL.Path)), slog.Int("status", rw.status),
		slog.String("client_request_id", r.Header.Get("Client-Request-Id")), slog.Duration("elapsed", time.Since(start)))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (to cut it).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// resetLocked empties the state; call with s.mu held (or before use).
func (s *Simulator) resetLocked() {
	s.seq = 0
	s.nonces, s.nonceLog = map[string]time.Time{}, nil
	s.txns, s.byMerch = map[string]*txn{}, map[string]*txn{}
	s.orders, s.orderSeq = map[string]*order{}, nil
	s.tokens, s.schemes = map[string]*token{}, map[string]string{}
}

// call is one authenticated request.
type call struct {
	w         http.ResponseWriter
	r         *http.Request
	body      []byte
	requestID string
	fault     Fault // injected by the fault plan ("" = none)
}

// authed reads the body, checks headers, timestamp, signature and replay,
// and only then calls h.
func (s *Simulator) authed(h func(c *call)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.inflight.Add(1)
		defer s.inflight.Done()
		id := r.Header.Get("Client-Request-Id")
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(body) > maxBody {
			writeError(w, http.StatusBadRequest, id, "", "BadRequest", "400", "Request body unreadable or too large", nil)
			return
		}
		var fault Fault
		if isMoneyRequest(r) {
			fault = s.pickFault()
		}
		if fault == FaultLate {
			// the request is still on its way: it arrives (and is checked
			// and processed) after the delay, whether the client waits or not
			time.Sleep(s.lateDelay())
		}
		if status, rtype, msg := s.authenticate(r, body); status != 0 {
			writeError(w, status, id, "", rtype, itoa(int64(status)), msg, nil)
			return
		}
		h(&call{w: w, r: r, body: body, requestID: id, fault: fault})
	}
}

// sleep waits d or until the client goes away; it reports whether the full
// time passed.
func sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
