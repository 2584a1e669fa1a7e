package telecash_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/payment"
)

// TestClientReusesConnections: 32 payments at a time, 10 rounds, through a
// client built without an HTTP client of its own: the connections to the
// gateway are kept and reused, so they are opened about once per
// concurrent caller — not for nearly every request, which with Go's default
// of 2 idle connections per host cost a handshake each and, under load,
// ran the machine out of local ports.
func TestClientReusesConnections(t *testing.T) {
	sim := telecashsim.New(telecashsim.Options{})
	var opened atomic.Int64
	srv := httptest.NewUnstartedServer(sim)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	gw, err := telecash.New(telecash.Config{BaseURL: srv.URL + telecashsim.Prefix, APIKey: telecashsim.DefaultAPIKey,
		APISecret: telecashsim.DefaultAPISecret})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{}
	const callers, rounds = 32, 10
	for range rounds {
		var wg sync.WaitGroup
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := gw.Sale(context.Background(), payment.CardPayment{Ref: h.ref("c"), Amount: payment.EUR(1300), Card: card(telecashsim.CardApproveVisa)})
				if err != nil || r.Outcome != payment.Approved {
					t.Errorf("sale: %v %+v", err, r)
				}
			}()
		}
		wg.Wait()
	}
	if n := opened.Load(); n > 2*callers {
		t.Fatalf("%d connections opened for %d requests by %d callers; want them kept and reused (at most %d)", n, callers*rounds, callers, 2*callers)
	}
	t.Logf("%d connections for %d requests", opened.Load(), callers*rounds)
}
