package telecash_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/secrets"
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
	return tenancy.Tenant{ID: a.TenantID, Slug: fmt.Sprintf("tenant-%d", a.TenantID), Gateway: gs}, nil
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
	keys := testKeys(t)
	var starts atomic.Int64
	settings := &tenantSettings{gs: map[int64]tenancy.GatewaySettings{
		1: {Mode: "sandbox", APIKey: "k", SealedSecret: seal(t, keys, 1, "s"), TimeoutMS: 5000},
		2: {Mode: "simulator", SimulatorURL: shared.URL, TimeoutMS: 5000},
	}}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	sim := telecash.Simulator{APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret, StoreID: telecashsim.DefaultStoreID,
		BuiltIn: func() (string, error) { starts.Add(1); return builtIn.URL, nil }}
	gws := telecash.NewGateways(settings, keys, sim, nil, func() time.Time { return now })
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
	none := telecash.NewGateways(settings, keys, telecash.Simulator{}, nil, nil)
	if _, err := none.Gateway(ctx, 3); err == nil {
		t.Fatal("simulator mode without a URL and without a built-in simulator: no error")
	}
	// a start failure is reported
	failing := telecash.NewGateways(settings, keys, telecash.Simulator{BuiltIn: func() (string, error) { return "", errors.New("address in use") }}, nil, nil)
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
	procA, procB := telecash.NewGateways(settings, nil, defaults, nil, nil), telecash.NewGateways(settings, nil, defaults, nil, nil)
	if r := refundOnB(procA, procB, "order-shared"); r.Outcome != payment.Approved {
		t.Fatalf("refund through the second process: %s %+v", r.Outcome, r.Reason)
	}
	if b := shared.Sim.Ledger()["order-shared"]; b.Captured != 4900 || b.Refunded != 4900 {
		t.Fatalf("shared simulator's ledger: %+v", b)
	}

	// each process with its own built-in simulator: the second one does not know the sale
	settings.set(7, tenancy.GatewaySettings{Mode: "simulator", TimeoutMS: 5000})
	ownA, ownB := simServer(t), simServer(t)
	procA = telecash.NewGateways(settings, nil, telecash.Simulator{APIKey: defaults.APIKey, APISecret: defaults.APISecret, StoreID: defaults.StoreID,
		BuiltIn: func() (string, error) { return ownA.URL, nil }}, nil, nil)
	procB = telecash.NewGateways(settings, nil, telecash.Simulator{APIKey: defaults.APIKey, APISecret: defaults.APISecret, StoreID: defaults.StoreID,
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
	keys := testKeys(t)
	settings := &tenantSettings{gs: map[int64]tenancy.GatewaySettings{
		1: {Mode: "production", APIKey: "live-key", SealedSecret: seal(t, keys, 1, "live-secret"), StoreID: "live-store", TimeoutMS: 5000},
		2: {Mode: "sandbox", APIKey: "sandbox-key", SealedSecret: seal(t, keys, 2, "sandbox-secret"), SimulatorURL: shared.URL, TimeoutMS: 5000},
		3: {Mode: "production", APIKey: "live-key", SealedSecret: seal(t, keys, 3, "live-secret"), SimulatorURL: telecash.ProductionURL, TimeoutMS: 5000},
		4: {Mode: "simulator", SimulatorURL: "https://eu.sandbox.fiservapps.com/x", TimeoutMS: 5000},
	}}
	sim := telecash.Simulator{APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret, StoreID: telecashsim.DefaultStoreID,
		BuiltIn: func() (string, error) { return builtIn.URL, nil }}
	gws := telecash.NewGateways(settings, keys, sim, nil, nil)
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

func testKeys(t *testing.T, previous ...string) *secrets.Keyring {
	t.Helper()
	key, err := secrets.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := secrets.NewKeyring(key, previous)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func seal(t *testing.T, k *secrets.Keyring, tenantID int64, plain string) string {
	t.Helper()
	s, err := k.SealGatewaySecret(tenantID, plain)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGatewaysOpenTheSealedSecret: a tenant's own credentials sign with the
// secret opened from its sealed value (the simulator accepts the signature);
// a value sealed with a key this process lacks, or for another tenant,
// gives 503 gateway_unavailable naming the tenant and the key, logged,
// without the secret; nothing is sent.
func TestGatewaysOpenTheSealedSecret(t *testing.T) {
	srv := simServer(t)
	keys := testKeys(t)
	other := testKeys(t)
	own := func(sealed string) tenancy.GatewaySettings {
		return tenancy.GatewaySettings{Mode: "simulator", SimulatorURL: srv.URL, APIKey: telecashsim.DefaultAPIKey,
			StoreID: telecashsim.DefaultStoreID, SealedSecret: sealed, TimeoutMS: 5000}
	}
	settings := &tenantSettings{gs: map[int64]tenancy.GatewaySettings{
		1: own(seal(t, keys, 1, telecashsim.DefaultAPISecret)),
		2: own(seal(t, other, 2, telecashsim.DefaultAPISecret)), // a key this process does not have
		3: own(seal(t, keys, 1, telecashsim.DefaultAPISecret)),  // tenant 1's value copied to tenant 3
	}}
	var logs bytes.Buffer
	gws := telecash.NewGateways(settings, keys, telecash.Simulator{}, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	ctx := context.Background()
	gw, err := gws.Gateway(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	sale(t, gw, "sealed-1")

	for _, tc := range []struct {
		tenant int64
		want   string
	}{{2, other.PrimaryID()}, {3, keys.PrimaryID()}} {
		logs.Reset()
		_, err := gws.Gateway(ctx, tc.tenant)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindUnavailable || e.Code != "gateway_unavailable" {
			t.Fatalf("tenant %d: %v, want KindUnavailable gateway_unavailable", tc.tenant, err)
		}
		slug := fmt.Sprintf("tenant-%d", tc.tenant)
		for _, out := range []string{err.Error(), logs.String()} {
			if !strings.Contains(out, slug) || !strings.Contains(out, tc.want) {
				t.Errorf("tenant %d: %q does not name the tenant %s and the key %s", tc.tenant, out, slug, tc.want)
			}
			if strings.Contains(out, telecashsim.DefaultAPISecret) || strings.Contains(out, settings.gs[tc.tenant].SealedSecret) {
				t.Errorf("tenant %d: the secret or its sealed value is in %q", tc.tenant, out)
			}
		}
	}
	if n := len(srv.Sim.Ledger()); n != 1 {
		t.Fatalf("%d orders reached the simulator, want only the one signed with the opened secret", n)
	}
}
