package telecashsim

import "time"

// Balance is what the simulator holds for one order, in minor units:
// live (approved, not voided) pre-authorisations, sales plus captures, and
// returns.
type Balance struct {
	Currency   string
	Authorized int64
	Captured   int64
	Refunded   int64
}

// Net is the money the order moved: sales + captures − returns (voided
// transactions count nothing).
func (b Balance) Net() int64 { return b.Captured - b.Refunded }

// Ledger returns the balance of every order the simulator knows, by
// orderId, so tests can compare it with their own records.
func (s *Simulator) Ledger() map[string]Balance {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Balance, len(s.orders))
	for id, o := range s.orders {
		a, c, r := o.balance()
		b := Balance{Authorized: a, Captured: c, Refunded: r}
		if len(o.txns) > 0 {
			b.Currency = canonicalCurrency(o.txns[0].currency)
		}
		out[id] = b
	}
	return out
}

// Settle marks every captured sale, capture and return as SETTLED, as the
// gateway's end-of-day run would; they can then no longer be voided. It
// returns how many transactions it settled.
func (s *Simulator) Settle() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.txns {
		if t.state == sCaptured && (t.typ == tSale || t.typ == tPostAuth || t.typ == tReturn) {
			t.state = sSettled
			s.changed = true
			n++
		}
	}
	return n
}

// TxnView is what the simulator recorded for one transaction. It never
// holds a card number.
type TxnView struct {
	IPGTransactionID      string             `json:"ipgTransactionId"`
	MerchantTransactionID string             `json:"merchantTransactionId"`
	OrderID               string             `json:"orderId"`
	RequestType           string             `json:"requestType"`
	Type                  string             `json:"transactionType"` // SALE, PREAUTH, POSTAUTH, RETURN, VOID
	State                 string             `json:"transactionState"`
	Result                string             `json:"transactionResult"` // APPROVED, DECLINED, WAITING
	Cents                 int64              `json:"cents"`
	Currency              string             `json:"currency"`
	SchemeTransactionID   string             `json:"schemeTransactionId,omitempty"`
	Token                 string             `json:"token,omitempty"`
	Last4                 string             `json:"last4,omitempty"`
	Rental                *Rental            `json:"carRental,omitempty"`
	StoredCredentials     *StoredCredentials `json:"storedCredentials,omitempty"`
	ParentID              string             `json:"parentId,omitempty"` // for PostAuth, Return and Void: the transaction acted on
	At                    time.Time          `json:"at"`                 // when the simulator committed it
}

// Transaction returns the view of the transaction with the given
// ipgTransactionId or merchantTransactionId.
func (s *Simulator) Transaction(id string) (TxnView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.txns[id]
	if t == nil {
		t = s.byMerch[id]
	}
	if t == nil {
		return TxnView{}, false
	}
	return viewOf(t), true
}

// viewOf renders t; call with s.mu held.
func viewOf(t *txn) TxnView {
	v := TxnView{
		IPGTransactionID: t.ipgID, MerchantTransactionID: t.merchTxID, OrderID: t.orderID,
		RequestType: t.requestType, Type: t.typ, State: t.state, Result: t.result,
		Cents: t.cents, Currency: t.currency, SchemeTransactionID: t.schemeID, At: t.at,
	}
	if t.parent != nil {
		v.ParentID = t.parent.ipgID
	}
	if t.token != nil {
		v.Token = t.token.value
	}
	if t.card != nil {
		v.Last4 = t.card.last4
	}
	if t.rental != nil {
		r := *t.rental
		v.Rental = &r
	}
	if t.stored != nil {
		sc := *t.stored
		v.StoredCredentials = &sc
	}
	return v
}

// TokenExists reports whether a token with this value is stored.
func (s *Simulator) TokenExists(value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[value] != nil
}
