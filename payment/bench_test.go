package payment_test

import (
	"fmt"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/payment"
)

// BenchmarkSale measures one card sale through the Telecash adapter against
// the in-process simulator over loopback HTTP: the adapter alone, and through
// the payment service, which records the attempt before sending and resolves
// it after (two extra committed writes), on each database. The difference is
// the bookkeeping overhead per call.
func BenchmarkSale(b *testing.B) {
	for _, d := range []string{"sqlite", "postgres"} {
		e := newEnv(b, d)
		e.svc = payment.NewService(e.st, payment.SingleGateway{G: e.gw}, payment.Config{}, time.Now, nil, nil)
		if d == "sqlite" {
			b.Run("adapter-only", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					p := payment.CardPayment{Ref: payment.Ref{MerchantTransactionID: payment.RandomID(), OrderID: fmt.Sprintf("a%d-%d", i, time.Now().UnixNano())},
						Amount: payment.EUR(4900), Card: visa}
					if r, err := e.gw.Sale(e.ctx, p); err != nil || r.Outcome != payment.Approved {
						b.Fatalf("%v %v", r.Outcome, err)
					}
				}
			})
		}
		b.Run("service-"+d, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				rec, _, err := e.svc.Sale(e.ctx, payment.Links{CustomerID: e.customer}, fmt.Sprintf("s%d-%d", i, time.Now().UnixNano()),
					payment.EUR(4900), visa, false, nil)
				if err != nil || rec.Status != payment.StatusApproved {
					b.Fatalf("%v %v", rec.Status, err)
				}
			}
		})
	}
}
