package telecash_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/tenancy"
)

// tenantSettings is a tenant store of gateway settings, read as the actor's tenant.
type tenantSettings struct {
	mu    sync.Mutex
	gs    map[int64]tenancy.GatewaySettings
	reads atomic.Int64
}

func (s *tenantSettings) Tenant(ctx context.Context) (tenancy.Tenant, error) {
	a, _ := identity.ActorFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads.Add(1)
	gs, ok := s.gs[a.TenantID]
	if !ok || a.Kind != identity.ActorSystem {
		return tenancy.Tenant{}, errors.New("no such tenant for this actor")
	}
	return tenancy.Tenant{ID: a.TenantID, Gateway: gs}, nil
}

func (s *tenantSettings) set(id int64, gs tenancy.GatewaySettings) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gs[id] = gs
}

// simServer is a simulator process on loopback HTTP.
func simServer(t *testing.T) *telecashsim.Server {
	t.Helper()
	srv, err := telecashsim.NewServer("127.0.0.1:0", telecashsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func sale(t *testing.T, gw payment.Gateway, order string) payment.Result {
	t.Helper()
	r, err := gw.Sale(context.Background(), payment.CardPayment{Ref: payment.Ref{MerchantTransactionID: order + "-mt", OrderID: order},
		Amount: payment.Amount{Cents: 4900, Currency: "EUR"}, Card: card(telecashsim.CardApproveVisa)})
	if err != nil || r.Outcome != payment.Approved {
		t.Fatalf("sale %s: %v %+v", order, err, r)
	}
	return r
}

// TestGatewaysPerTenant: a tenant in simulator mode without a URL pays
// through the built-in simulator, started on first use only; a tenant with
// a simulator URL pays there (the built-in one is not started for it); a
// tenant in sandbox mode starts nothing; settings are read again after
// SettingsTTL and the client is rebuilt only when they changed.
func TestGatewaysPerTenant(t *testing.T) {
	builtIn, shared := simServer(t), simServer(t)
	var starts atomic.Int64
	settings := &tenantSettings{gs: map[int64]tenancy.GatewaySettings{
		1: {Mode: "sandbox", APIKey: "k", Secret: "s", TimeoutMS: 5000},
		2: {Mode: "simulator", SimulatorURL: shared.URL, TimeoutMS: 5000},
	}}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	sim := telecash.Simulator{APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret, StoreID: telecashsim.DefaultStoreID,
		BuiltIn: func() (string, error) { starts.Add(1); return builtIn.URL, nil }}
	gws := telecash.NewGateways(settings, sim, nil, func() time.Time { return now })
	ctx := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: 2, Role: identity.RoleStation})

	if _, err := gws.Gateway(ctx, 1); err != nil {
		t.Fatal(err)
	}
	gw2, err := gws.Gateway(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	sale(t, gw2, "shared-1")
	if _, ok := shared.Sim.Ledger()["shared-1"]; !ok || starts.Load() != 0 {
		t.Fatalf("a tenant with a simulator URL: order in the shared simulator %v, built-in started %d times", ok, starts.Load())
	}

	settings.set(3, tenancy.GatewaySettings{Mode: "simulator", TimeoutMS: 5000})
	gw3, err := gws.Gateway(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	sale(t, gw3, "builtin-1")
	if _, ok := builtIn.Sim.Ledger()["builtin-1"]; !ok || starts.Load() != 1 {
		t.Fatalf("built-in: order there %v, started %d times", ok, starts.Load())
	}

	// within the TTL the settings are not read again; after it, unchanged
	// settings keep the client, changed ones build a new one
	reads := settings.reads.Load()
	if again, _ := gws.Gateway(ctx, 2); again != gw2 || settings.reads.Load() != reads {
		t.Fatal("within SettingsTTL the client is reused without reading the settings")
	}
	now = now.Add(telecash.SettingsTTL)
	if again, _ := gws.Gateway(ctx, 2); again != gw2 || settings.reads.Load() != reads+1 {
		t.Fatal("unchanged settings after SettingsTTL: the same client, settings read once")
	}
	settings.set(2, tenancy.GatewaySettings{Mode: "simulator", TimeoutMS: 5000}) // back to the built-in simulator
	now = now.Add(telecash.SettingsTTL)
	gw2b, err := gws.Gateway(ctx, 2)
	if err != nil || gw2b == gw2 {
		t.Fatalf("changed settings: %v, same client %v", err, gw2b == gw2)
	}
	sale(t, gw2b, "builtin-2")
	if _, ok := builtIn.Sim.Ledger()["builtin-2"]; !ok {
		t.Fatal("after switching to the built-in simulator the payment went elsewhere")
	}

	// no built-in simulator in this process: a clear error, nothing sent
	none := telecash.NewGateways(settings, telecash.Simulator{}, nil, nil)
	if _, err := none.Gateway(ctx, 3); err == nil {
		t.Fatal("simulator mode without a URL and without a built-in simulator: no error")
	}
	// a start failure is reported
	failing := telecash.NewGateways(settings, telecash.Simulator{BuiltIn: func() (string, error) { return "", errors.New("address in use") }}, nil, nil)
	if _, err := failing.Gateway(ctx, 3); err == nil {
		t.Fatal("a failed start of the built-in simulator gave a client")
	}
}

// TestGatewaysShareOneSimulator: two processes' Gateways (two servers) with
// the tenant's simulator URL see one gateway: a sale made through one is
// refunded through the other. With each its own simulator the refund finds
// no sale.
func TestGatewaysShareOneSimulator(t *testing.T) {
	shared := simServer(t)
	settings := &tenantSettings{gs: map[int64]tenancy.GatewaySettings{7: {Mode: "simulator", SimulatorURL: shared.URL, TimeoutMS: 5000}}}
	defaults := telecash.Simulator{APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret, StoreID: telecashsim.DefaultStoreID}
	ctx := context.Background()
	refundOnB := func(a, b *telecash.Gateways, order string) payment.Result {
		gwA, err := a.Gateway(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		s := sale(t, gwA, order)
		gwB, err := b.Gateway(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		r, err := gwB.Refund(ctx, payment.Refund{Ref: payment.Ref{MerchantTransactionID: order + "-refund", OrderID: order},
			TransactionID: s.TransactionID, Amount: payment.Amount{Cents: 4900, Currency: "EUR"}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	procA, procB := telecash.NewGateways(settings, defaults, nil, nil), telecash.NewGateways(settings, defaults, nil, nil)
	if r := refundOnB(procA, procB, "order-shared"); r.Outcome != payment.Approved {
		t.Fatalf("refund through the second process: %s %+v", r.Outcome, r.Reason)
	}
	if b := shared.Sim.Ledger()["order-shared"]; b.Captured != 4900 || b.Refunded != 4900 {
		t.Fatalf("shared simulator's ledger: %+v", b)
	}

	// each process with its own built-in simulator: the second one does not know the sale
	settings.set(7, tenancy.GatewaySettings{Mode: "simulator", TimeoutMS: 5000})
	ownA, ownB := simServer(t), simServer(t)
	procA = telecash.NewGateways(settings, telecash.Simulator{APIKey: defaults.APIKey, APISecret: defaults.APISecret, StoreID: defaults.StoreID,
		BuiltIn: func() (string, error) { return ownA.URL, nil }}, nil, nil)
	procB = telecash.NewGateways(settings, telecash.Simulator{APIKey: defaults.APIKey, APISecret: defaults.APISecret, StoreID: defaults.StoreID,
		BuiltIn: func() (string, error) { return ownB.URL, nil }}, nil, nil)
	if r := refundOnB(procA, procB, "order-split"); r.Outcome == payment.Approved {
		t.Fatal("a refund at another process's own simulator was approved: the test would not notice a shared gateway")
	}
}

// TestTestGatewayIsTheSimulator: a tenant's test-mode client pays through
// the simulator — the tenant's simulator URL, else the built-in one — with
// the simulator's credentials, whatever the tenant's own mode (production,
// sandbox) and keys; a simulator URL at Fiserv's host is refused. The live
// client of a tenant in production mode is another one.
func TestTestGatewayIsTheSimulator(t *testing.T) {
	builtIn, shared := simServer(t), simServer(t)
	settings := &tenantSettings{gs: map[int64]tenancy.GatewaySettings{
		1: {Mode: "production", APIKey: "live-key", Secret: "live-secret", StoreID: "live-store", TimeoutMS: 5000},
		2: {Mode: "sandbox", APIKey: "sandbox-key", Secret: "sandbox-secret", SimulatorURL: shared.URL, TimeoutMS: 5000},
		3: {Mode: "production", APIKey: "live-key", Secret: "live-secret", SimulatorURL: telecash.ProductionURL, TimeoutMS: 5000},
		4: {Mode: "simulator", SimulatorURL: "https://eu.sandbox.fiservapps.com/x", TimeoutMS: 5000},
	}}
	sim := telecash.Simulator{APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret, StoreID: telecashsim.DefaultStoreID,
		BuiltIn: func() (string, error) { return builtIn.URL, nil }}
	gws := telecash.NewGateways(settings, sim, nil, nil)
	ctx := context.Background()
	var _ payment.TestGateways = gws

	test1, err := gws.TestGateway(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	sale(t, test1, "test-prod-tenant")
	if _, ok := builtIn.Sim.Ledger()["test-prod-tenant"]; !ok {
		t.Fatal("a production tenant's test payment did not reach the built-in simulator")
	}
	if live1, err := gws.Gateway(ctx, 1); err != nil || live1 == test1 {
		t.Fatalf("the production tenant's live client: %v, the same as its test client %v", err, live1 == test1)
	}
	test2, err := gws.TestGateway(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	sale(t, test2, "test-sandbox-tenant")
	if _, ok := shared.Sim.Ledger()["test-sandbox-tenant"]; !ok {
		t.Fatal("a sandbox tenant's test payment did not reach its simulator URL")
	}
	for _, id := range []int64{3, 4} {
		if gw, err := gws.TestGateway(ctx, id); err == nil {
			t.Errorf("tenant %d: a test client with a simulator URL at Fiserv's host: %v", id, gw)
		}
	}
	if !telecash.RealGateway(telecash.SandboxURL) || telecash.RealGateway(builtIn.URL) {
		t.Error("RealGateway")
	}
}
