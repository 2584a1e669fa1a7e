package telecashsim

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Fault is a failure the simulator injects into a money-moving request
// (POST /payments, POST /payments/{id}, POST /orders/{id}) when a fault
// plan is set (SetFaults, or PUT /sim/faults). Inquiries and token
// requests are never faulted.
type Fault string

// The fault kinds.
const (
	// FaultDecline: the issuer declines (422, N:05:Do Not Honour); nothing
	// is committed. Only primary transactions; a secondary one drawn this
	// fault is processed normally.
	FaultDecline Fault = "decline"
	// FaultServerError: the transaction is committed, then answered 500.
	FaultServerError Fault = "server_error"
	// FaultBadGateway: answered 502 EndpointCommunicationError; nothing is
	// committed.
	FaultBadGateway Fault = "bad_gateway"
	// FaultTimeout: the transaction is committed, then the answer waits
	// Options.FaultDelay (the client times out first).
	FaultTimeout Fault = "timeout"
	// FaultLostAnswer: the transaction is committed, then the connection is
	// cut without an answer (the answer is lost on the way back).
	FaultLostAnswer Fault = "lost_answer"
	// FaultLate: the request reaches the gateway only after
	// FaultPlan.LateDelay: it is authenticated then (a Timestamp older than
	// the 5-minute window is refused, as by the real gateway) and
	// processed, whether or not the client is still waiting (late
	// delivery).
	FaultLate Fault = "late"
)

// FaultNone in FaultPlan.Next lets one request through unfaulted.
const FaultNone Fault = "none"

// Faults lists every fault kind.
var Faults = []Fault{FaultDecline, FaultServerError, FaultBadGateway, FaultTimeout, FaultLostAnswer, FaultLate}

// FaultPlan says which money-moving requests fail and how. The zero plan
// injects nothing.
type FaultPlan struct {
	// Next are applied first, one per request, in order (for tests that
	// need one particular fault on the next request; FaultNone lets one
	// through).
	Next []Fault `json:"next,omitempty"`
	// Rates gives each fault kind its probability per request (their sum at
	// most 1), drawn from a random source seeded with Seed.
	Rates map[Fault]float64 `json:"rates,omitempty"`
	Seed  uint64            `json:"seed,omitempty"`
	// LateDelay is how long a FaultLate request takes to reach the gateway
	// (default 1 s).
	LateDelay time.Duration `json:"late_delay,omitempty"`
}

// validate reports the first problem of the plan, or "".
func (p FaultPlan) validate() string {
	known := map[Fault]bool{}
	for _, f := range Faults {
		known[f] = true
	}
	for _, f := range p.Next {
		if !known[f] && f != FaultNone {
			return "unknown fault " + string(f) + " in next (known: " + faultNames() + ")"
		}
	}
	sum := 0.0
	for f, r := range p.Rates {
		if !known[f] {
			return "unknown fault " + string(f) + " in rates (known: " + faultNames() + ")"
		}
		if r < 0 || r > 1 {
			return "rate of " + string(f) + " must lie between 0 and 1"
		}
		sum += r
	}
	if sum > 1.000001 {
		return "the rates add up to more than 1"
	}
	if p.LateDelay < 0 {
		return "late_delay must not be negative"
	}
	return ""
}

func faultNames() string {
	n := make([]string, len(Faults))
	for i, f := range Faults {
		n[i] = string(f)
	}
	return strings.Join(n, ", ")
}

// faultState is the plan in force and what it has injected; guarded by
// Simulator.fmu (not s.mu: a late request waits outside every lock).
type faultState struct {
	plan   FaultPlan
	rng    *rand.Rand
	counts map[Fault]int
}

// SetFaults replaces the fault plan (the zero plan turns faults off) and
// resets the counts FaultCounts reports. It panics on an invalid plan
// (unknown kind, rates outside 0..1 or above 1 in sum); PUT /sim/faults
// answers 400 instead.
func (s *Simulator) SetFaults(p FaultPlan) {
	if msg := p.validate(); msg != "" {
		panic("telecashsim: " + msg)
	}
	s.setFaults(p)
}

func (s *Simulator) setFaults(p FaultPlan) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	p.Next = append([]Fault(nil), p.Next...)
	s.faults = faultState{plan: p, rng: rand.New(rand.NewPCG(p.Seed, p.Seed^0x5eed)), counts: map[Fault]int{}}
}

// FaultCounts returns how many requests got each fault since the plan was set.
func (s *Simulator) FaultCounts() map[Fault]int {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	out := make(map[Fault]int, len(s.faults.counts))
	for f, n := range s.faults.counts {
		out[f] = n
	}
	return out
}

// pickFault draws the fault for one money-moving request.
func (s *Simulator) pickFault() Fault {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	fs := &s.faults
	var f Fault
	if len(fs.plan.Next) > 0 {
		f, fs.plan.Next = fs.plan.Next[0], fs.plan.Next[1:]
	} else if len(fs.plan.Rates) > 0 {
		x := fs.rng.Float64()
		// a fixed order, so that a seed replays the same faults
		for _, k := range Faults {
			r := fs.plan.Rates[k]
			if x < r {
				f = k
				break
			}
			x -= r
		}
	}
	if f == FaultNone {
		f = ""
	}
	if f != "" {
		fs.counts[f]++
	}
	return f
}

func (s *Simulator) lateDelay() time.Duration {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if d := s.faults.plan.LateDelay; d > 0 {
		return d
	}
	return time.Second
}

// isMoneyRequest reports whether r may be faulted.
func isMoneyRequest(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	p := strings.TrimPrefix(r.URL.Path, Prefix)
	return p == "/payments" || strings.HasPrefix(p, "/payments/") || strings.HasPrefix(p, "/orders/")
}

// cutConnection closes the client's connection without an answer.
func cutConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// cannot hijack (HTTP/2): the best we can do is an aborted handler
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// handleAdminFaults serves GET and PUT /sim/faults: the fault plan in force
// with the counts so far, or a new plan (JSON FaultPlan; late_delay in
// nanoseconds or as a Go duration string such as "1500ms").
func (s *Simulator) handleAdminFaults(w http.ResponseWriter, r *http.Request) {
	if !s.adminAuthed(w, r) {
		return
	}
	if r.Method == http.MethodPut {
		var in struct {
			FaultPlan
			LateDelay json.RawMessage `json:"late_delay"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			writeAdminError(w, http.StatusBadRequest, "invalid fault plan: "+err.Error())
			return
		}
		p := in.FaultPlan
		if len(in.LateDelay) > 0 {
			d, err := parseDuration(in.LateDelay)
			if err != nil {
				writeAdminError(w, http.StatusBadRequest, "late_delay: "+err.Error())
				return
			}
			p.LateDelay = d
		}
		if msg := p.validate(); msg != "" {
			writeAdminError(w, http.StatusBadRequest, msg)
			return
		}
		s.setFaults(p)
	}
	s.fmu.Lock()
	out := struct {
		Plan   FaultPlan     `json:"plan"`
		Counts map[Fault]int `json:"counts"`
		Kinds  []Fault       `json:"kinds"`
	}{Plan: s.faults.plan, Counts: map[Fault]int{}, Kinds: Faults}
	for f, n := range s.faults.counts {
		out.Counts[f] = n
	}
	s.fmu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func parseDuration(raw json.RawMessage) (time.Duration, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return time.ParseDuration(s)
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, err
	}
	return time.Duration(n), nil
}

// handleAdminTransactions serves GET /sim/transactions: every transaction
// the simulator holds, oldest first (the simulator's ledger, to compare
// with a merchant's records).
func (s *Simulator) handleAdminTransactions(w http.ResponseWriter, r *http.Request) {
	if !s.adminAuthed(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Transactions []TxnView `json:"transactions"`
	}{s.Transactions()})
}

// adminAuthed checks the Api-Key header of an admin request.
func (s *Simulator) adminAuthed(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Api-Key") != s.opts.APIKey {
		writeAdminError(w, http.StatusUnauthorized, "send the simulator's API key in the Api-Key header")
		return false
	}
	return true
}

func writeAdminError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// Transactions returns every transaction the simulator holds, oldest first.
func (s *Simulator) Transactions() []TxnView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TxnView, 0, len(s.txns))
	for _, t := range s.txns {
		out = append(out, viewOf(t))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].IPGTransactionID < out[j].IPGTransactionID })
	return out
}
