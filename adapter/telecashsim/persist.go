package telecashsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// stateVersion is the format of the state file.
const stateVersion = 1

// snapshot is the simulator's state as written to Options.StateFile. Card
// numbers are never part of it (only their hash, BIN and last four digits).
type snapshot struct {
	Version int               `json:"version"`
	Seq     int64             `json:"seq"`
	Orders  []snapOrder       `json:"orders"` // in creation order
	Tokens  []snapToken       `json:"tokens"`
	Schemes map[string]string `json:"schemes"`
	Nonces  []snapNonce       `json:"nonces"`
}

type snapOrder struct {
	ID   string    `json:"id"`
	Kind string    `json:"kind"`
	Txns []snapTxn `json:"txns"`
}

type snapCard struct {
	Key      string `json:"key"`
	BIN      string `json:"bin"`
	Last4    string `json:"last4"`
	Brand    string `json:"brand"`
	ExpMonth int    `json:"expMonth"`
	ExpYear  int    `json:"expYear"`
	Behave   int    `json:"behave"`
}

type snapToken struct {
	Value             string   `json:"value"`
	Card              snapCard `json:"card"`
	Reusable          bool     `json:"reusable"`
	DeclineDuplicates bool     `json:"declineDuplicates"`
	Deleted           bool     `json:"deleted,omitempty"`
}

type snapTxn struct {
	IPGID        string             `json:"ipgId"`
	MerchTxID    string             `json:"merchTxId"`
	Type         string             `json:"type"`
	RequestType  string             `json:"requestType"`
	Cents        int64              `json:"cents"`
	Currency     string             `json:"currency"`
	State        string             `json:"state"`
	Result       string             `json:"result"`
	ApprovalCode string             `json:"approvalCode"`
	ProcCode     string             `json:"procCode"`
	ProcMsg      string             `json:"procMsg"`
	Auth         string             `json:"auth"`
	SchemeID     string             `json:"schemeId"`
	Card         *snapCard          `json:"card,omitempty"`
	Token        *snapToken         `json:"token,omitempty"` // by value; the token itself may have been deleted since
	TokenCreated bool               `json:"tokenCreated,omitempty"`
	ParentID     string             `json:"parentId,omitempty"`
	At           time.Time          `json:"at"`
	Rental       *Rental            `json:"rental,omitempty"`
	Stored       *StoredCredentials `json:"stored,omitempty"`
}

type snapNonce struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

func snapCardOf(c cardInfo) snapCard {
	return snapCard{Key: c.key, BIN: c.bin, Last4: c.last4, Brand: c.brand, ExpMonth: c.expMonth, ExpYear: c.expYear, Behave: int(c.behave)}
}

func (c snapCard) info() cardInfo {
	return cardInfo{key: c.Key, bin: c.BIN, last4: c.Last4, brand: c.Brand, expMonth: c.ExpMonth, expYear: c.ExpYear, behave: behaviour(c.Behave)}
}

func snapTokenOf(t *token) snapToken {
	return snapToken{Value: t.value, Card: snapCardOf(t.card), Reusable: t.reusable, DeclineDuplicates: t.declineDuplicates, Deleted: t.deleted}
}

// WriteState writes the simulator's state as JSON to w.
func (s *Simulator) WriteState(w io.Writer) error {
	s.mu.Lock()
	snap := s.snapshotLocked()
	s.mu.Unlock()
	return json.NewEncoder(w).Encode(snap)
}

func (s *Simulator) snapshotLocked() snapshot {
	snap := snapshot{Version: stateVersion, Seq: s.seq, Schemes: map[string]string{}}
	for _, id := range s.orderSeq {
		o := s.orders[id]
		so := snapOrder{ID: o.id, Kind: o.kind}
		for _, t := range o.txns {
			st := snapTxn{IPGID: t.ipgID, MerchTxID: t.merchTxID, Type: t.typ, RequestType: t.requestType, Cents: t.cents,
				Currency: t.currency, State: t.state, Result: t.result, ApprovalCode: t.approvalCode, ProcCode: t.procCode,
				ProcMsg: t.procMsg, Auth: t.auth, SchemeID: t.schemeID, TokenCreated: t.tokenCreated, At: t.at,
				Rental: t.rental, Stored: t.stored}
			if t.card != nil {
				c := snapCardOf(*t.card)
				st.Card = &c
			}
			if t.token != nil {
				tk := snapTokenOf(t.token)
				st.Token = &tk
			}
			if t.parent != nil {
				st.ParentID = t.parent.ipgID
			}
			so.Txns = append(so.Txns, st)
		}
		snap.Orders = append(snap.Orders, so)
	}
	for _, t := range s.tokens {
		snap.Tokens = append(snap.Tokens, snapTokenOf(t))
	}
	for k, v := range s.schemes {
		snap.Schemes[k] = v
	}
	for _, n := range s.nonceLog {
		if s.nonces[n.id].Equal(n.at) {
			snap.Nonces = append(snap.Nonces, snapNonce{ID: n.id, At: n.at})
		}
	}
	return snap
}

// ReadState replaces the simulator's state with one written by WriteState.
func (s *Simulator) ReadState(r io.Reader) error {
	var snap snapshot
	if err := json.NewDecoder(r).Decode(&snap); err != nil {
		return fmt.Errorf("read simulator state: %w", err)
	}
	if snap.Version != stateVersion {
		return fmt.Errorf("read simulator state: version %d, want %d", snap.Version, stateVersion)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
	s.seq = snap.Seq
	for _, st := range snap.Tokens {
		s.tokens[st.Value] = &token{value: st.Value, card: st.Card.info(), reusable: st.Reusable, declineDuplicates: st.DeclineDuplicates, deleted: st.Deleted}
	}
	for _, so := range snap.Orders {
		o := &order{id: so.ID, kind: so.Kind}
		for _, st := range so.Txns {
			t := &txn{ipgID: st.IPGID, merchTxID: st.MerchTxID, orderID: so.ID, typ: st.Type, requestType: st.RequestType,
				cents: st.Cents, currency: st.Currency, state: st.State, result: st.Result, approvalCode: st.ApprovalCode,
				procCode: st.ProcCode, procMsg: st.ProcMsg, auth: st.Auth, schemeID: st.SchemeID, tokenCreated: st.TokenCreated,
				at: st.At, rental: st.Rental, stored: st.Stored}
			if st.Card != nil {
				c := st.Card.info()
				t.card = &c
			}
			if st.Token != nil {
				if t.token = s.tokens[st.Token.Value]; t.token == nil { // deleted since
					t.token = &token{value: st.Token.Value, card: st.Token.Card.info(), reusable: st.Token.Reusable, deleted: true}
				}
			}
			if st.ParentID != "" {
				if t.parent = s.txns[st.ParentID]; t.parent == nil {
					return fmt.Errorf("read simulator state: transaction %s refers to unknown %s", st.IPGID, st.ParentID)
				}
			}
			o.txns = append(o.txns, t)
			s.txns[t.ipgID] = t
			if t.merchTxID != "" {
				s.byMerch[t.merchTxID] = t
			}
		}
		s.orders[o.id] = o
		s.orderSeq = append(s.orderSeq, o.id)
	}
	for k, v := range snap.Schemes {
		s.schemes[k] = v
	}
	for _, n := range snap.Nonces {
		s.nonces[n.ID] = n.At
		s.nonceLog = append(s.nonceLog, nonceEntry{id: n.ID, at: n.At})
	}
	return nil
}

// LoadStateFile reads the state written to path by SaveStateFile; a
// missing file leaves the simulator empty.
func (s *Simulator) LoadStateFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return s.ReadState(f)
}

// SaveStateFile writes the state to path atomically (a temporary file in
// the same folder, synced, then renamed over path).
func (s *Simulator) SaveStateFile(path string) error {
	s.mu.Lock()
	snap := s.snapshotLocked()
	s.changed = false
	s.mu.Unlock()
	tmp, err := os.CreateTemp(filepath.Dir(path), ".telecashsim-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := json.NewEncoder(tmp).Encode(snap); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// markChanged notes that the state changed since it was last saved.
func (s *Simulator) markChanged() {
	s.mu.Lock()
	s.changed = true
	s.mu.Unlock()
}

// saveIfChanged writes the state file when something changed since the
// last write.
func (s *Simulator) saveIfChanged(path string) error {
	s.mu.Lock()
	changed := s.changed
	s.mu.Unlock()
	if !changed {
		return nil
	}
	return s.SaveStateFile(path)
}
