package telecash_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/payment"
)

// benchGateway starts the simulator on loopback HTTP and returns an adapter
// for it. Logging is off on both sides.
func benchGateway(b *testing.B) (*telecash.Client, *harness) {
	b.Helper()
	sim := telecashsim.New(telecashsim.Options{})
	srv := httptest.NewServer(sim)
	b.Cleanup(srv.Close)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	gw, err := telecash.New(telecash.Config{BaseURL: srv.URL + telecashsim.Prefix, APIKey: telecashsim.DefaultAPIKey,
		APISecret: telecashsim.DefaultAPISecret, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		b.Fatal(err)
	}
	return gw, &harness{sim: sim}
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

func checkApproved(b *testing.B, r payment.Result, err error) {
	if err != nil || r.Outcome != payment.Approved {
		b.Fatalf("%v %+v", err, r)
	}
}

func BenchmarkAdapterSale(b *testing.B) {
	gw, h := benchGateway(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		r, err := gw.Sale(ctx, payment.CardPayment{Ref: h.ref("b"), Amount: payment.EUR(1300), Card: card(telecashsim.CardApproveVisa)})
		checkApproved(b, r, err)
	}
	reportRate(b)
}

func BenchmarkAdapterSaleParallel(b *testing.B) {
	gw, h := benchGateway(b)
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, err := gw.Sale(ctx, payment.CardPayment{Ref: h.ref("b"), Amount: payment.EUR(1300), Card: card(telecashsim.CardApproveVisa)})
			checkApproved(b, r, err)
		}
	})
	reportRate(b)
}

func BenchmarkAdapterTokenSale(b *testing.B) {
	gw, h := benchGateway(b)
	ctx := context.Background()
	first, err := gw.Sale(ctx, payment.CardPayment{Ref: h.ref("b"), Amount: payment.EUR(100), Card: card(telecashsim.CardApproveVisa), StoreCard: true})
	checkApproved(b, first, err)
	b.ResetTimer()
	for b.Loop() {
		r, err := gw.TokenSale(ctx, payment.TokenPayment{Ref: h.ref("b"), Amount: payment.EUR(2550), Token: first.Token, SchemeTransactionID: first.SchemeTransactionID})
		checkApproved(b, r, err)
	}
	reportRate(b)
}

func BenchmarkAdapterPreAuthCapture(b *testing.B) {
	gw, h := benchGateway(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		pa, err := gw.PreAuth(ctx, payment.CardPayment{Ref: h.ref("b"), Amount: payment.EUR(5000), Card: card(telecashsim.CardApproveVisa)})
		checkApproved(b, pa, err)
		r, err := gw.Capture(ctx, payment.Capture{Ref: h.ref("b"), TransactionID: pa.TransactionID, Amount: payment.EUR(4000)})
		checkApproved(b, r, err)
	}
	reportRate(b) // one "call" = pre-auth + capture
}

func BenchmarkAdapterInquiry(b *testing.B) {
	gw, h := benchGateway(b)
	ctx := context.Background()
	s, err := gw.Sale(ctx, payment.CardPayment{Ref: h.ref("b"), Amount: payment.EUR(100), Card: card(telecashsim.CardApproveVisa)})
	checkApproved(b, s, err)
	b.ResetTimer()
	for b.Loop() {
		r, err := gw.InquireTransaction(ctx, s.MerchantTransactionID)
		checkApproved(b, r, err)
	}
	reportRate(b)
}
