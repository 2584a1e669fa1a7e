package telecashsim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Transaction types and states as the gateway names them.
const (
	tSale     = "SALE"
	tPreAuth  = "PREAUTH"
	tPostAuth = "POSTAUTH"
	tReturn   = "RETURN"
	tVoid     = "VOID"

	sAuthorized = "AUTHORIZED"
	sCaptured   = "CAPTURED"
	sDeclined   = "DECLINED"
	sVoided     = "VOIDED"
	sSettled    = "SETTLED"
	sWaiting    = "WAITING"
)

// behaviour is what a card makes the simulated issuer do.
type behaviour int

const (
	approve behaviour = iota
	declineDoNotHonour
	declineExpired
	declineFunds
	challenge3DS
)

func behaviourOf(number string) behaviour {
	switch number {
	case CardDecline:
		return declineDoNotHonour
	case CardExpired:
		return declineExpired
	case CardInsufficientFunds:
		return declineFunds
	case Card3DSChallenge:
		return challenge3DS
	}
	return approve
}

// cardInfo is what the simulator keeps about a card: never the number.
type cardInfo struct {
	key      string // SHA-256 of the number, to spot duplicates
	bin      string
	last4    string
	brand    string
	expMonth int
	expYear  int
	behave   behaviour
}

func newCardInfo(number string, month, year int) cardInfo {
	sum := sha256.Sum256([]byte(number))
	return cardInfo{
		key: hex.EncodeToString(sum[:]), bin: number[:6], last4: number[len(number)-4:],
		brand: brandName(number), expMonth: month, expYear: year, behave: behaviourOf(number),
	}
}

func (c cardInfo) expired(now time.Time) bool {
	return c.expYear < now.Year() || (c.expYear == now.Year() && c.expMonth < int(now.Month()))
}

// Rental is the car-rental extension as the simulator received it.
type Rental struct {
	AgreementNumber string `json:"agreementNumber"`
	RenterName      string `json:"renterName"`
	ReturnCity      string `json:"returnCity"`
	ReturnDate      string `json:"returnDate"`
	PickupDate      string `json:"pickupDate"`
}

// StoredCredentials are the stored-credential fields the simulator received.
type StoredCredentials struct {
	Sequence                      string
	Scheduled                     bool
	Initiator                     string
	ReferencedSchemeTransactionID string
}

type txn struct {
	ipgID, merchTxID, orderID string
	typ, requestType          string
	cents                     int64
	currency                  string // as the request spelled it
	state                     string
	result                    string // APPROVED, DECLINED, WAITING
	approvalCode              string
	procCode, procMsg, auth   string
	schemeID                  string
	card                      *cardInfo
	token                     *token // used or created
	tokenCreated              bool
	parent                    *txn // the transaction a secondary one refers to
	at                        time.Time
	rental                    *Rental
	stored                    *StoredCredentials
}

type order struct {
	id   string
	kind string // tSale or tPreAuth: the first primary transaction's type
	txns []*txn
}

type token struct {
	value             string
	card              cardInfo
	reusable          bool
	declineDuplicates bool
	deleted           bool
}

// nextID returns the next number of the simulator's id counter; call with s.mu held.
func (s *Simulator) nextID() int64 {
	s.seq++
	return s.seq
}

func (s *Simulator) newIpgID() string      { return fmt.Sprintf("84%010d", s.nextID()) }
func (s *Simulator) newSchemeID() string   { return fmt.Sprintf("%015d", 300000000000000+s.nextID()) }
func (s *Simulator) newTokenValue() string { return fmt.Sprintf("SIMTOK%018d", s.nextID()) }
func (s *Simulator) newOrderID() string    { return fmt.Sprintf("A-SIM-%010d", s.nextID()) }
func (s *Simulator) newTraceID() string    { return fmt.Sprintf("rrt-sim-%012d", s.nextID()) }

// balance sums an order's live (not voided, approved) amounts.
func (o *order) balance() (authorized, captured, refunded int64) {
	for _, t := range o.txns {
		if t.result != "APPROVED" || t.state == sVoided {
			continue
		}
		switch t.typ {
		case tPreAuth:
			authorized += t.cents
		case tSale, tPostAuth:
			captured += t.cents
		case tReturn:
			refunded += t.cents
		}
	}
	return
}

// capturedFromPreAuths sums live PostAuths.
func (o *order) capturedFromPreAuths() (sum int64) {
	for _, t := range o.txns {
		if t.typ == tPostAuth && t.result == "APPROVED" && t.state != sVoided {
			sum += t.cents
		}
	}
	return sum
}

// openPreAuths returns the order's approved pre-auths still AUTHORIZED.
func (o *order) openPreAuths() []*txn {
	var out []*txn
	for _, t := range o.txns {
		if t.typ == tPreAuth && t.result == "APPROVED" && t.state == sAuthorized {
			out = append(out, t)
		}
	}
	return out
}

// markPreAuths sets open pre-auths to CAPTURED when fully captured and
// back to AUTHORIZED when a capture was voided.
func (o *order) markPreAuths() {
	authorized, _, _ := o.balance()
	full := o.capturedFromPreAuths() >= authorized
	for _, t := range o.txns {
		if t.typ != tPreAuth || t.result != "APPROVED" || t.state == sVoided {
			continue
		}
		if full {
			t.state = sCaptured
		} else {
			t.state = sAuthorized
		}
	}
}
