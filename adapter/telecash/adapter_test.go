package telecash_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/payment"
)

// syncBuffer collects output from concurrent writers.
type syncBuffer = testenv.SyncBuffer

// harness is the adapter talking to the simulator over loopback HTTP.
type harness struct {
	gw       *telecash.Client
	sim      *telecashsim.Simulator
	url      string
	logs     *syncBuffer
	requests *atomic.Int64
	seq      atomic.Int64
}

type setup struct {
	sim telecashsim.Options
	cfg func(*telecash.Config)
}

func newHarness(t *testing.T, s setup) *harness {
	t.Helper()
	if s.sim.FaultDelay == 0 {
		s.sim.FaultDelay = 3 * time.Second
	}
	if s.sim.SlowDelay == 0 {
		s.sim.SlowDelay = 30 * time.Millisecond
	}
	logs := &syncBuffer{}
	s.sim.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sim := telecashsim.New(s.sim)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := telecash.Config{
		BaseURL:   srv.URL + telecashsim.Prefix,
		APIKey:    telecashsim.DefaultAPIKey,
		APISecret: telecashsim.DefaultAPISecret,
		StoreID:   telecashsim.DefaultStoreID,
		Timeout:   500 * time.Millisecond,
		Logger:    slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if s.cfg != nil {
		s.cfg(&cfg)
	}
	gw, err := telecash.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{gw: gw, sim: sim, url: cfg.BaseURL, logs: logs, requests: &n}
}

// ref returns fresh ids for one attempt.
func (h *harness) ref(prefix string) payment.Ref {
	n := h.seq.Add(1)
	return payment.Ref{MerchantTransactionID: fmt.Sprintf("%s-mt-%d", prefix, n), OrderID: fmt.Sprintf("%s-order-%d", prefix, n)}
}

func card(number string) payment.Card {
	return payment.Card{Number: number, ExpMonth: 12, ExpYear: 2030, CVV: "123", Holder: "Erika Mustermann"}
}

func rental() *payment.Rental {
	return &payment.Rental{
		AgreementNumber: "RA-2026-0042", RenterName: "Maximilian Mustermann-Schulze",
		PickupDate:     time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC),
		ReturnDate:     time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC),
		PickupLocation: "München", ReturnLocation: "Garmisch-Partenkirchen",
	}
}

// must fails the test on a non-nil error from a gateway call.
func must(t *testing.T) func(payment.Result, error) payment.Result {
	return func(r payment.Result, err error) payment.Result {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: unexpected error: %v", r.Operation, err)
		}
		return r
	}
}

func wantOutcome(t *testing.T, r payment.Result, o payment.Outcome, reason payment.ReasonCode) {
	t.Helper()
	if r.Outcome != o || r.Reason.Code != reason {
		t.Fatalf("%s: outcome %s/%s (%s %q), want %s/%s", r.Operation, r.Outcome, r.Reason.Code, r.Reason.GatewayCode, r.Reason.Message, o, reason)
	}
}

func TestSaleStoresCardThenMerchantInitiatedCharges(t *testing.T) {
	h := newHarness(t, setup{})
	ctx := context.Background()
	first := must(t)(h.gw.Sale(ctx, payment.CardPayment{Ref: h.ref("book"), Amount: payment.EUR(8900), Card: card(telecashsim.CardApproveVisa), StoreCard: true, Rental: rental()}))
	wantOutcome(t, first, payment.Approved, "")
	if first.Token == "" || first.SchemeTransactionID == "" || first.TransactionID == "" || !strings.HasPrefix(first.ApprovalCode, "Y:") {
		t.Fatalf("first use lacks ids: %+v", first)
	}
	if first.Card != (payment.CardInfo{Brand: payment.BrandVisa, Last4: "1111", ExpMonth: 12, ExpYear: 2030}) {
		t.Errorf("card info %+v", first.Card)
	}
	if first.Amount != payment.EUR(8900) || first.Type != payment.TxSale || first.ProcessorResponseCode != "00" || first.Time.IsZero() {
		t.Errorf("result %+v", first)
	}
	v, _ := h.sim.Transaction(first.TransactionID)
	if sc := v.StoredCredentials; sc == nil || sc.Sequence != "FIRST" || sc.Initiator != "CARDHOLDER" || sc.Scheduled {
		t.Errorf("stored credentials sent: %+v", sc)
	}
	if r := v.Rental; r == nil || *r != (telecashsim.Rental{AgreementNumber: "RA-2026-0042", RenterName: "Maximilian Musterman", ReturnCity: "Garmisch-Partenkirch", PickupDate: "2026-03-10", ReturnDate: "2026-03-13"}) {
		t.Errorf("car rental sent: %+v", r)
	}

	for _, op := range []struct {
		name string
		call func(context.Context, payment.TokenPayment) (payment.Result, error)
		typ  payment.TxType
	}{{"token sale", h.gw.TokenSale, payment.TxSale}, {"token preauth", h.gw.TokenPreAuth, payment.TxPreAuth}} {
		r := must(t)(op.call(ctx, payment.TokenPayment{Ref: h.ref("extra"), Amount: payment.EUR(2550), Token: first.Token, SchemeTransactionID: first.SchemeTransactionID}))
		wantOutcome(t, r, payment.Approved, "")
		if r.Type != op.typ || r.Token != first.Token || r.Card.Last4 != "1111" {
			t.Errorf("%s: %+v", op.name, r)
		}
		v, _ := h.sim.Transaction(r.MerchantTransactionID)
		if sc := v.StoredCredentials; sc == nil || sc.Sequence != "SUBSEQUENT" || sc.Initiator != "MERCHANT" || sc.ReferencedSchemeTransactionID != first.SchemeTransactionID {
			t.Errorf("%s: stored credentials sent: %+v", op.name, sc)
		}
	}
}

func TestMagicCards(t *testing.T) {
	h := newHarness(t, setup{})
	tests := []struct {
		card    string
		outcome payment.Outcome
		reason  payment.ReasonCode
		code    string
	}{
		{telecashsim.CardApproveVisa, payment.Approved, "", ""},
		{telecashsim.CardApproveMastercard, payment.Approved, "", ""},
		{"5204740000001002", payment.Approved, "", ""},
		{telecashsim.CardDecline, payment.Declined, payment.ReasonDeclined, "05"},
		{telecashsim.CardExpired, payment.Declined, payment.ReasonExpiredCard, "54"},
		{telecashsim.CardInsufficientFunds, payment.Declined, payment.ReasonInsufficientFunds, "51"},
		{telecashsim.Card3DSChallenge, payment.Declined, payment.ReasonAuthenticationRequired, "WAITING"},
	}
	for _, tt := range tests {
		for _, op := range []struct {
			name string
			call func(context.Context, payment.CardPayment) (payment.Result, error)
		}{{"sale", h.gw.Sale}, {"preauth", h.gw.PreAuth}} {
			t.Run(op.name+" "+tt.card, func(t *testing.T) {
				r := must(t)(op.call(context.Background(), payment.CardPayment{Ref: h.ref("magic"), Amount: payment.EUR(1000), Card: card(tt.card), StoreCard: true}))
				wantOutcome(t, r, tt.outcome, tt.reason)
				if r.Reason.GatewayCode != tt.code {
					t.Errorf("gateway code %q, want %q", r.Reason.GatewayCode, tt.code)
				}
				if r.TransactionID == "" {
					t.Error("no ipgTransactionId")
				}
				if tt.outcome != payment.Approved && r.Token != "" {
					t.Errorf("token created on %s", tt.outcome)
				}
				if tt.outcome == payment.Declined && (r.Reason.CustomerMessage("de") == "" || r.Err() == nil || !errs.Is(r.Err(), errs.KindPaymentDecline)) {
					t.Errorf("decline not expressed: %v", r.Err())
				}
			})
		}
	}
	t.Run("declining card stored as token declines on token sale", func(t *testing.T) {
		tok := must(t)(h.gw.CreateToken(context.Background(), payment.TokenCreate{Card: card(telecashsim.CardDecline)}))
		wantOutcome(t, tok, payment.Approved, "")
		r := must(t)(h.gw.TokenSale(context.Background(), payment.TokenPayment{Ref: h.ref("tok"), Amount: payment.EUR(100), Token: tok.Token}))
		wantOutcome(t, r, payment.Declined, payment.ReasonDeclined)
	})
}

// TestFaultAmounts sends each magic amount through every operation that
// carries an amount and checks the outcome and what an inquiry finds.
func TestFaultAmounts(t *testing.T) {
	h := newHarness(t, setup{})
	ctx := context.Background()
	tests := []struct {
		name      string
		cents     int64
		outcome   payment.Outcome
		reason    payment.ReasonCode
		committed bool
	}{
		{"502 before commit", telecashsim.AmountBadGatewayNoCommit, payment.Unknown, payment.ReasonServerError, false},
		{"500 after commit", telecashsim.AmountServerErrorAfterCommit, payment.Unknown, payment.ReasonServerError, true},
		{"timeout after commit", telecashsim.AmountHangAfterCommit, payment.Unknown, payment.ReasonTimeout, true},
		{"slow but fine", telecashsim.AmountSlow, payment.Approved, "", true},
	}
	type op struct {
		name string
		run  func(cents int64) payment.Result
	}
	ops := []op{
		{"sale", func(c int64) payment.Result {
			return must(t)(h.gw.Sale(ctx, payment.CardPayment{Ref: h.ref("f"), Amount: payment.EUR(c), Card: card(telecashsim.CardApproveVisa)}))
		}},
		{"token sale", func(c int64) payment.Result {
			tok := must(t)(h.gw.Sale(ctx, payment.CardPayment{Ref: h.ref("f"), Amount: payment.EUR(100), Card: card(telecashsim.CardApproveVisa), StoreCard: true}))
			return must(t)(h.gw.TokenSale(ctx, payment.TokenPayment{Ref: h.ref("f"), Amount: payment.EUR(c), Token: tok.Token, SchemeTransactionID: tok.SchemeTransactionID}))
		}},
		{"capture", func(c int64) payment.Result {
			pa := must(t)(h.gw.PreAuth(ctx, payment.CardPayment{Ref: h.ref("f"), Amount: payment.EUR(100000), Card: card(telecashsim.CardApproveVisa)}))
			return must(t)(h.gw.Capture(ctx, payment.Capture{Ref: h.ref("f"), TransactionID: pa.TransactionID, Amount: payment.EUR(c)}))
		}},
		{"refund", func(c int64) payment.Result {
			s := must(t)(h.gw.Sale(ctx, payment.CardPayment{Ref: h.ref("f"), Amount: payment.EUR(100000), Card: card(telecashsim.CardApproveVisa)}))
			return must(t)(h.gw.Refund(ctx, payment.Refund{Ref: h.ref("f"), TransactionID: s.TransactionID, Amount: payment.EUR(c)}))
		}},
	}
	for _, tt := range tests {
		for _, o := range ops {
			t.Run(tt.name+"/"+o.name, func(t *testing.T) {
				r := o.run(tt.cents)
				wantOutcome(t, r, tt.outcome, tt.reason)
				got, err := h.gw.InquireTransaction(ctx, r.MerchantTransactionID)
				if !tt.committed {
					if !errs.Is(err, errs.KindNotFound) {
						t.Fatalf("inquiry after uncommitted fault: %+v, %v; want not found", got, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("inquiry: %v", err)
				}
				if got.Outcome != payment.Approved || got.Amount.Cents != tt.cents || got.TransactionID == "" {
					t.Errorf("inquiry shows %+v", got)
				}
			})
		}
	}
}

func TestRecoveryAfterTimeoutNeverChargesTwice(t *testing.T) {
	h := newHarness(t, setup{})
	ctx := context.Background()
	ref := h.ref("rec")
	p := payment.CardPayment{Ref: ref, Amount: payment.EUR(telecashsim.AmountHangAfterCommit), Card: card(telecashsim.CardApproveVisa)}
	r := must(t)(h.gw.Sale(ctx, p))
	wantOutcome(t, r, payment.Unknown, payment.ReasonTimeout)
	got, err := h.gw.InquireTransaction(ctx, ref.MerchantTransactionID)
	if err != nil || got.Outcome != payment.Approved || got.State != payment.StateCaptured {
		t.Fatalf("inquiry: %+v %v", got, err)
	}
	// A careless resend under a new attempt id is stopped by the order id.
	p.MerchantTransactionID = ref.MerchantTransactionID + "-2"
	again := must(t)(h.gw.Sale(ctx, p))
	wantOutcome(t, again, payment.Failed, payment.ReasonOrderExists)
	if net := h.sim.Ledger()[ref.OrderID].Net(); net != telecashsim.AmountHangAfterCommit {
		t.Errorf("charged %d, want once", net)
	}
}

func TestStateMachineLimits(t *testing.T) {
	h := newHarness(t, setup{})
	ctx := context.Background()
	pa := must(t)(h.gw.PreAuth(ctx, payment.CardPayment{Ref: h.ref("sm"), Amount: payment.EUR(10000), Card: card(telecashsim.CardApproveMastercard), Rental: rental()}))
	wantOutcome(t, pa, payment.Approved, "")
	if pa.State != payment.StateAuthorized || pa.Type != payment.TxPreAuth {
		t.Fatalf("preauth %+v", pa)
	}
	order := pa.OrderID
	incr := must(t)(h.gw.PreAuth(ctx, payment.CardPayment{Ref: payment.Ref{MerchantTransactionID: "sm-incr", OrderID: order}, Amount: payment.EUR(2000), Card: card(telecashsim.CardApproveMastercard)}))
	wantOutcome(t, incr, payment.Approved, "")

	steps := []struct {
		name    string
		run     func() (payment.Result, error)
		outcome payment.Outcome
		reason  payment.ReasonCode
	}{
		{"capture 70", func() (payment.Result, error) {
			return h.gw.Capture(ctx, payment.Capture{Ref: payment.Ref{MerchantTransactionID: "c1"}, TransactionID: pa.TransactionID, Amount: payment.EUR(7000)})
		}, payment.Approved, ""},
		{"capture 50 more than authorised", func() (payment.Result, error) {
			return h.gw.Capture(ctx, payment.Capture{Ref: payment.Ref{MerchantTransactionID: "c2"}, TransactionID: pa.TransactionID, Amount: payment.EUR(5001)})
		}, payment.Failed, payment.ReasonNotAllowed},
		{"capture rest by order", func() (payment.Result, error) {
			return h.gw.Capture(ctx, payment.Capture{Ref: payment.Ref{MerchantTransactionID: "c3", OrderID: order}, Amount: payment.EUR(5000)})
		}, payment.Approved, ""},
		{"refund more than captured", func() (payment.Result, error) {
			return h.gw.Refund(ctx, payment.Refund{Ref: payment.Ref{MerchantTransactionID: "r1"}, TransactionID: "c1", Amount: payment.EUR(12001)})
		}, payment.Failed, payment.ReasonNotAllowed},
		{"refund part", func() (payment.Result, error) {
			return h.gw.Refund(ctx, payment.Refund{Ref: payment.Ref{MerchantTransactionID: "r2"}, TransactionID: "c1", Amount: payment.EUR(2000)})
		}, payment.Approved, ""},
		{"refund rest by order", func() (payment.Result, error) {
			return h.gw.Refund(ctx, payment.Refund{Ref: payment.Ref{MerchantTransactionID: "r3", OrderID: order}, Amount: payment.EUR(10000)})
		}, payment.Approved, ""},
		{"void refund", func() (payment.Result, error) {
			return h.gw.Void(ctx, payment.Void{Ref: payment.Ref{MerchantTransactionID: "v1"}, TransactionID: "r3"})
		}, payment.Approved, ""},
		{"double void", func() (payment.Result, error) {
			return h.gw.Void(ctx, payment.Void{Ref: payment.Ref{MerchantTransactionID: "v2"}, TransactionID: "r3"})
		}, payment.Failed, payment.ReasonNotAllowed},
		{"void unknown", func() (payment.Result, error) {
			return h.gw.Void(ctx, payment.Void{Ref: payment.Ref{MerchantTransactionID: "v3"}, TransactionID: "nope"})
		}, payment.Failed, payment.ReasonNotFound},
		{"reused merchant transaction id", func() (payment.Result, error) {
			return h.gw.Refund(ctx, payment.Refund{Ref: payment.Ref{MerchantTransactionID: "r2"}, TransactionID: "c1", Amount: payment.EUR(1)})
		}, payment.Failed, payment.ReasonNotAllowed},
	}
	for _, st := range steps {
		r, err := st.run()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if r.Outcome != st.outcome || r.Reason.Code != st.reason {
			t.Fatalf("%s: %s/%s (%s), want %s/%s", st.name, r.Outcome, r.Reason.Code, r.Reason.Message, st.outcome, st.reason)
		}
	}
	b := h.sim.Ledger()[order]
	if b.Authorized != 12000 || b.Captured != 12000 || b.Refunded != 2000 {
		t.Errorf("ledger %+v", b)
	}

	// Void a sale before settlement; a second void fails; after settlement only a refund works.
	s1 := must(t)(h.gw.Sale(ctx, payment.CardPayment{Ref: h.ref("v"), Amount: payment.EUR(500), Card: card(telecashsim.CardApproveVisa)}))
	wantOutcome(t, must(t)(h.gw.Void(ctx, payment.Void{Ref: h.ref("v"), TransactionID: s1.TransactionID})), payment.Approved, "")
	wantOutcome(t, must(t)(h.gw.Void(ctx, payment.Void{Ref: h.ref("v"), TransactionID: s1.TransactionID})), payment.Failed, payment.ReasonNotAllowed)
	inq, err := h.gw.InquireTransaction(ctx, s1.TransactionID)
	if err != nil || inq.State != payment.StateVoided {
		t.Errorf("voided sale inquiry: %+v %v", inq, err)
	}
	s2 := must(t)(h.gw.Sale(ctx, payment.CardPayment{Ref: h.ref("v"), Amount: payment.EUR(500), Card: card(telecashsim.CardApproveVisa)}))
	h.sim.Settle()
	wantOutcome(t, must(t)(h.gw.Void(ctx, payment.Void{Ref: h.ref("v"), TransactionID: s2.TransactionID})), payment.Failed, payment.ReasonNotAllowed)
	wantOutcome(t, must(t)(h.gw.Refund(ctx, payment.Refund{Ref: h.ref("v"), TransactionID: s2.TransactionID, Amount: payment.EUR(500)})), payment.Approved, "")

	// Release a pre-auth; a second release and a capture afterwards fail.
	p2 := must(t)(h.gw.PreAuth(ctx, payment.CardPayment{Ref: h.ref("vp"), Amount: payment.EUR(30000), Card: card(telecashsim.CardApproveVisa)}))
	wantOutcome(t, must(t)(h.gw.VoidPreAuth(ctx, payment.Void{Ref: h.ref("vp"), TransactionID: p2.TransactionID})), payment.Approved, "")
	wantOutcome(t, must(t)(h.gw.VoidPreAuth(ctx, payment.Void{Ref: h.ref("vp"), TransactionID: p2.TransactionID})), payment.Failed, payment.ReasonNotAllowed)
	wantOutcome(t, must(t)(h.gw.Capture(ctx, payment.Capture{Ref: h.ref("vp"), TransactionID: p2.TransactionID, Amount: payment.EUR(1)})), payment.Failed, payment.ReasonNotAllowed)
	if b := h.sim.Ledger()[p2.OrderID]; b.Authorized != 0 || b.Net() != 0 {
		t.Errorf("released pre-auth ledger %+v", b)
	}
}

func TestInquireOrderListsAllTransactions(t *testing.T) {
	h := newHarness(t, setup{})
	ctx := context.Background()
	pa := must(t)(h.gw.PreAuth(ctx, payment.CardPayment{Ref: h.ref("io"), Amount: payment.EUR(5000), Card: card(telecashsim.CardApproveVisa)}))
	must(t)(h.gw.Capture(ctx, payment.Capture{Ref: h.ref("io"), TransactionID: pa.TransactionID, Amount: payment.EUR(3000)}))
	must(t)(h.gw.Refund(ctx, payment.Refund{Ref: payment.Ref{MerchantTransactionID: "io-ret", OrderID: pa.OrderID}, Amount: payment.EUR(1000)}))
	must(t)(h.gw.VoidPreAuth(ctx, payment.Void{Ref: h.ref("io"), TransactionID: pa.TransactionID}))
	list, err := h.gw.InquireOrder(ctx, pa.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range list {
		types = append(types, string(r.Type)+":"+string(r.State))
		if r.Outcome != payment.Approved || r.OrderID != pa.OrderID || r.TransactionID == "" {
			t.Errorf("entry %+v", r)
		}
	}
	if got := strings.Join(types, ","); got != "PREAUTH:VOIDED,POSTAUTH:CAPTURED,RETURN:CAPTURED,VOID:VOIDED" {
		t.Errorf("order transactions %s", got)
	}
	if list[2].MerchantTransactionID != "io-ret" || list[2].Amount != payment.EUR(1000) {
		t.Errorf("return entry %+v", list[2])
	}
	if _, err := h.gw.InquireOrder(ctx, "no-such-order"); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("unknown order: %v", err)
	}
	declined := must(t)(h.gw.Sale(ctx, payment.CardPayment{Ref: h.ref("io"), Amount: payment.EUR(100), Card: card(telecashsim.CardExpired)}))
	list, err = h.gw.InquireOrder(ctx, declined.OrderID)
	if err != nil || len(list) != 1 || list[0].Outcome != payment.Declined || list[0].Reason.Code != payment.ReasonExpiredCard {
		t.Errorf("declined order inquiry: %+v %v", list, err)
	}
}

func TestTokens(t *testing.T) {
	h := newHarness(t, setup{})
	ctx := context.Background()
	tok := must(t)(h.gw.CreateToken(ctx, payment.TokenCreate{MerchantTransactionID: "tok-1", Card: card(telecashsim.CardApproveMastercard), TokenID: "cust-42"}))
	wantOutcome(t, tok, payment.Approved, "")
	if tok.Token != "cust-42" || tok.Card.Brand != payment.BrandMastercard || tok.Card.Last4 != "1732" {
		t.Errorf("token %+v", tok)
	}
	dup := must(t)(h.gw.CreateToken(ctx, payment.TokenCreate{Card: card(telecashsim.CardApproveMastercard), DeclineDuplicates: true}))
	wantOutcome(t, dup, payment.Failed, payment.ReasonDuplicate)
	r := must(t)(h.gw.TokenPreAuth(ctx, payment.TokenPayment{Ref: h.ref("tk"), Amount: payment.EUR(100), Token: "cust-42"}))
	wantOutcome(t, r, payment.Approved, "")
	wantOutcome(t, must(t)(h.gw.DeleteToken(ctx, "cust-42")), payment.Approved, "")
	wantOutcome(t, must(t)(h.gw.DeleteToken(ctx, "cust-42")), payment.Failed, payment.ReasonNotFound)
	gone := must(t)(h.gw.TokenSale(ctx, payment.TokenPayment{Ref: h.ref("tk"), Amount: payment.EUR(100), Token: "cust-42"}))
	wantOutcome(t, gone, payment.Failed, payment.ReasonInvalidRequest)
	if len(gone.Reason.Fields) == 0 || gone.Reason.Fields[0].Field != "paymentMethod.paymentToken.value" {
		t.Errorf("fields %+v", gone.Reason.Fields)
	}
}

func TestAuthenticationFailures(t *testing.T) {
	fixed := func(c *telecash.Config) { c.NewRequestID = func() string { return "same-id-every-time" } }
	tests := []struct {
		name  string
		s     setup
		calls int // the last call must fail
	}{
		{"wrong secret", setup{cfg: func(c *telecash.Config) { c.APISecret = "wrong" }}, 1},
		{"wrong key", setup{cfg: func(c *telecash.Config) { c.APIKey = "wrong" }}, 1},
		{"clock 6 min behind", setup{cfg: func(c *telecash.Config) { c.Now = func() time.Time { return time.Now().Add(-6 * time.Minute) } }}, 1},
		{"clock 6 min ahead", setup{cfg: func(c *telecash.Config) { c.Now = func() time.Time { return time.Now().Add(6 * time.Minute) } }}, 1},
		{"replayed request id", setup{cfg: fixed}, 2},
		{"foreign store", setup{cfg: func(c *telecash.Config) { c.StoreID = "other-store" }}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.s)
			var r payment.Result
			for i := 0; i < tt.calls; i++ {
				r = must(t)(h.gw.Sale(context.Background(), payment.CardPayment{Ref: h.ref("auth"), Amount: payment.EUR(100), Card: card(telecashsim.CardApproveVisa)}))
				if i < tt.calls-1 {
					wantOutcome(t, r, payment.Approved, "")
				}
			}
			wantOutcome(t, r, payment.Failed, payment.ReasonGatewayAuth)
			if _, err := h.gw.InquireTransaction(context.Background(), r.MerchantTransactionID); !errs.Is(err, errs.KindUnavailable) && tt.calls == 1 {
				t.Errorf("inquiry with bad credentials: %v", err)
			}
		})
	}
	t.Run("variant B off does not matter: adapter sends A", func(t *testing.T) {
		h := newHarness(t, setup{sim: telecashsim.Options{DisableHexSignature: true}})
		wantOutcome(t, must(t)(h.gw.Sale(context.Background(), payment.CardPayment{Ref: h.ref("a"), Amount: payment.EUR(100), Card: card(telecashsim.CardApproveVisa)})), payment.Approved, "")
	})
}

func TestInvalidRequestsAreNotSent(t *testing.T) {
	h := newHarness(t, setup{})
	ctx := context.Background()
	calls := []func() error{
		func() error {
			_, err := h.gw.Sale(ctx, payment.CardPayment{Ref: h.ref("x"), Amount: payment.EUR(1), Card: card("4111111111111112")})
			return err
		},
		func() error {
			_, err := h.gw.PreAuth(ctx, payment.CardPayment{Amount: payment.EUR(1), Card: card(telecashsim.CardApproveVisa)})
			return err
		},
		func() error {
			_, err := h.gw.TokenSale(ctx, payment.TokenPayment{Ref: h.ref("x"), Amount: payment.EUR(0), Token: "t"})
			return err
		},
		func() error {
			_, err := h.gw.TokenPreAuth(ctx, payment.TokenPayment{Ref: h.ref("x"), Amount: payment.EUR(1)})
			return err
		},
		func() error {
			_, err := h.gw.Capture(ctx, payment.Capture{Ref: payment.Ref{MerchantTransactionID: "m"}, Amount: payment.EUR(1)})
			return err
		},
		func() error {
			_, err := h.gw.Refund(ctx, payment.Refund{Ref: h.ref("x"), TransactionID: "1", Amount: payment.Amount{Cents: 1, Currency: "XXX"}})
			return err
		},
		func() error { _, err := h.gw.Void(ctx, payment.Void{Ref: h.ref("x")}); return err },
		func() error { _, err := h.gw.VoidPreAuth(ctx, payment.Void{TransactionID: "1"}); return err },
		func() error {
			_, err := h.gw.CreateToken(ctx, payment.TokenCreate{Card: payment.Card{Number: "4111111111111111"}})
			return err
		},
		func() error { _, err := h.gw.DeleteToken(ctx, "a/b"); return err },
		func() error { _, err := h.gw.InquireTransaction(ctx, ""); return err },
		func() error { _, err := h.gw.InquireOrder(ctx, strings.Repeat("x", 101)); return err },
	}
	for i, call := range calls {
		if err := call(); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("call %d: error %v, want invalid", i, err)
		}
	}
	if n := h.requests.Load(); n != 0 {
		t.Errorf("%d requests reached the gateway", n)
	}
}

// TestConnectionErrors: a request that provably never left (connection
// refused, DNS failure, TLS handshake failure) is an error with nothing
// sent; one that broke after it was written is Unknown.
func TestConnectionErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	// a TCP server that closes every connection at once: the TLS handshake fails
	tlsDead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tlsDead.Close() })
	go func() {
		for {
			c, err := tlsDead.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	for name, base := range map[string]string{
		"refused":       "http://" + addr + telecashsim.Prefix,
		"dns":           "http://gateway.invalid" + telecashsim.Prefix,
		"tls handshake": "https://" + tlsDead.Addr().String() + telecashsim.Prefix,
	} {
		gw, err := telecash.New(telecash.Config{BaseURL: base, APIKey: "k", APISecret: "s", Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		r, err := gw.Sale(context.Background(), payment.CardPayment{Ref: payment.Ref{MerchantTransactionID: "m", OrderID: "o"}, Amount: payment.EUR(100), Card: card(telecashsim.CardApproveVisa)})
		if e, ok := errs.As(err); !ok || e.Kind != errs.KindUnavailable || e.Code != telecash.ErrCodeNotSent {
			t.Errorf("%s: error %v, want unavailable/%s", name, err, telecash.ErrCodeNotSent)
		}
		if r.Outcome != payment.Failed || r.Reason.Code != payment.ReasonNotSent {
			t.Errorf("%s: %s/%s, want failed/not_sent", name, r.Outcome, r.Reason.Code)
		}
		if _, err := gw.InquireTransaction(context.Background(), "m"); !errs.Is(err, errs.KindUnavailable) {
			t.Errorf("%s: inquiry: %v", name, err)
		}
	}

	// A server that resets the connection after reading the request.
	hj := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _, _ := w.(http.Hijacker).Hijack()
		c.Close()
	}))
	t.Cleanup(hj.Close)
	gw, _ := telecash.New(telecash.Config{BaseURL: hj.URL, APIKey: "k", APISecret: "s"})
	r := must(t)(gw.Capture(context.Background(), payment.Capture{Ref: payment.Ref{MerchantTransactionID: "m"}, TransactionID: "1", Amount: payment.EUR(1)}))
	wantOutcome(t, r, payment.Unknown, payment.ReasonConnection)

	// The gateway processed the sale, but its answer was lost: Unknown, and
	// the inquiry finds the sale.
	h := newHarness(t, setup{})
	h.sim.SetFaults(telecashsim.FaultPlan{Next: []telecashsim.Fault{telecashsim.FaultLostAnswer}})
	ref := h.ref("lost")
	r = must(t)(h.gw.Sale(context.Background(), payment.CardPayment{Ref: ref, Amount: payment.EUR(4200), Card: card(telecashsim.CardApproveVisa)}))
	wantOutcome(t, r, payment.Unknown, payment.ReasonConnection)
	if found, err := h.gw.InquireTransaction(context.Background(), ref.MerchantTransactionID); err != nil || found.Outcome != payment.Approved {
		t.Fatalf("inquiry after the lost answer: %+v %v", found, err)
	}

	// The caller's own deadline also ends in Unknown.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	r = must(t)(h.gw.Sale(ctx, payment.CardPayment{Ref: h.ref("ctx"), Amount: payment.EUR(telecashsim.AmountHangAfterCommit), Card: card(telecashsim.CardApproveVisa)}))
	wantOutcome(t, r, payment.Unknown, payment.ReasonTimeout)
}

func TestHeaders(t *testing.T) {
	// A plain recording server: checks what goes on the wire.
	type seen struct {
		header http.Header
		body   string
	}
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(bytes.Buffer)
		b.ReadFrom(r.Body)
		mu.Lock()
		got = append(got, seen{r.Header.Clone(), b.String()})
		mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	now := time.UnixMilli(1773135000123)
	gw, err := telecash.New(telecash.Config{BaseURL: srv.URL, APIKey: "key", APISecret: "secret", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	gw.Sale(context.Background(), payment.CardPayment{Ref: payment.Ref{MerchantTransactionID: "m", OrderID: "o"}, Amount: payment.EUR(1300), Card: card(telecashsim.CardApproveVisa)})
	gw.InquireTransaction(context.Background(), "m")
	if len(got) != 2 {
		t.Fatalf("%d requests", len(got))
	}
	for i, s := range got {
		h := s.header
		if h.Get("Content-Type") != "application/json" || h.Get("Api-Key") != "key" || h.Get("Timestamp") != "1773135000123" {
			t.Errorf("request %d headers %v", i, h)
		}
		if want := telecash.Sign("key", "secret", h.Get("Client-Request-Id"), h.Get("Timestamp"), []byte(s.body)); h.Get("Message-Signature") != want {
			t.Errorf("request %d: signature does not cover the bytes sent", i)
		}
	}
	if got[0].header.Get("Client-Request-Id") == got[1].header.Get("Client-Request-Id") {
		t.Error("Client-Request-Id reused")
	}
	if got[1].body != "" {
		t.Errorf("GET carried a body: %q", got[1].body)
	}
	if !strings.Contains(got[0].body, `"total":"13.00"`) || !strings.Contains(got[0].body, `"expiryDate":{"month":"12","year":"30"}`) {
		t.Errorf("sale body %s", got[0].body)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name   string
		cfg    telecash.Config
		fields string
	}{
		{"ok", telecash.Config{APIKey: "k", APISecret: "s"}, ""},
		{"missing", telecash.Config{}, "apiKey,apiSecret"},
		{"bad url", telecash.Config{BaseURL: "ftp://x", APIKey: "k", APISecret: "s"}, "baseURL"},
		{"long store", telecash.Config{APIKey: "k", APISecret: "s", StoreID: strings.Repeat("1", 21)}, "storeId"},
	}
	for _, tt := range tests {
		_, err := telecash.New(tt.cfg)
		var names []string
		if e, ok := errs.As(err); ok {
			for _, f := range e.Fields {
				names = append(names, f.Field)
			}
		}
		if strings.Join(names, ",") != tt.fields {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
