package telecash

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/tenancy"
)

// TenantReader reads the acting tenant (tenancy.Store has it).
type TenantReader interface {
	Tenant(ctx context.Context) (tenancy.Tenant, error)
}

// SecretOpener opens a tenant's stored API secret (secrets.Keyring does).
// Its errors name the tenant and the key, never the secret.
type SecretOpener interface {
	OpenGatewaySecret(t tenancy.Tenant) (string, error)
}

// Simulator is what Gateways needs to know about simulators (package
// telecashsim; this adapter does not import it).
type Simulator struct {
	// APIKey, APISecret and StoreID are the credentials a simulator accepts
	// by default: always used with the built-in simulator, and with a
	// tenant's own simulator URL when the tenant has no API key set.
	APIKey, APISecret, StoreID string
	// BuiltIn returns the base URL of this process's built-in simulator,
	// starting it on first use (nil: there is none, and a tenant in
	// simulator mode without a URL of its own gets an error).
	BuiltIn func() (string, error)
}

// Gateways gives each tenant a client built from its gateway settings
// (payment.Gateways): Telecash production, the sandbox, the simulator the
// tenant names (GatewaySettings.SimulatorURL: one simulator process shared
// by every server), or this process's built-in simulator. A tenant's client
// is reused while its settings stay the same; they are read again at most
// every SettingsTTL, so a change in the admin web takes effect within that.
type Gateways struct {
	tenants TenantReader
	secrets SecretOpener
	sim     Simulator
	log     *slog.Logger
	now     func() time.Time

	mu    sync.Mutex
	cache map[gatewayKey]gatewayEntry
}

// gatewayKey names a cached client: a tenant's own, or its test-mode one.
type gatewayKey struct {
	tenantID int64
	test     bool
}

// SettingsTTL is how long a tenant's client is used without re-reading its
// settings (a booking makes two or three gateway calls).
const SettingsTTL = 5 * time.Second

type gatewayEntry struct {
	key     string // the settings the client was built from
	client  *Client
	checked time.Time // when the settings were last read
}

var _ payment.Gateways = (*Gateways)(nil)

// NewGateways returns the tenants' gateway clients. secrets opens the
// tenants' stored API secrets; log receives the clients' records (with the
// tenant id); now is the clock of the cache.
func NewGateways(tenants TenantReader, secrets SecretOpener, sim Simulator, log *slog.Logger, now func() time.Time) *Gateways {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Gateways{tenants: tenants, secrets: secrets, sim: sim, log: log, now: now, cache: map[gatewayKey]gatewayEntry{}}
}

// UsesBuiltIn reports whether a tenant with gateway settings g pays through
// the built-in simulator of the process: simulator mode without a URL.
func UsesBuiltIn(g tenancy.GatewaySettings) bool {
	return g.Mode != "sandbox" && g.Mode != "production" && g.SimulatorURL == ""
}

// Gateway returns the tenant's client, rebuilt when its settings changed
// (noticed within SettingsTTL). It reads the settings as the tenant's system:
// any caller that pays for the tenant (a station user's booking, the
// reconciler acting for all tenants) needs its gateway. Errors: the tenant's
// store errors; KindInvalid naming the bad setting; KindUnavailable (code
// "gateway_unavailable", logged with the tenant and the key) when the
// stored API secret cannot be opened; the built-in simulator's start
// failure.
func (g *Gateways) Gateway(ctx context.Context, tenantID int64) (payment.Gateway, error) {
	return g.gateway(ctx, gatewayKey{tenantID: tenantID})
}

var _ payment.TestGateways = (*Gateways)(nil)

// TestGateway returns the client of the tenant's test-mode payments: the
// simulator the tenant names (GatewaySettings.SimulatorURL), else this
// process's built-in one, with the simulator's own credentials — never
// the tenant's sandbox or production gateway, whatever its mode.
func (g *Gateways) TestGateway(ctx context.Context, tenantID int64) (payment.Gateway, error) {
	return g.gateway(ctx, gatewayKey{tenantID: tenantID, test: true})
}

func (g *Gateways) gateway(ctx context.Context, k gatewayKey) (payment.Gateway, error) {
	tenantID := k.tenantID
	g.mu.Lock()
	if e, ok := g.cache[k]; ok && g.now().Sub(e.checked) < SettingsTTL {
		g.mu.Unlock()
		return e.client, nil
	}
	g.mu.Unlock()
	tn, err := g.tenants.Tenant(identity.WithActor(ctx, identity.SystemFor(tenantID)))
	if err != nil {
		return nil, err
	}
	if k.test {
		tn.Gateway = TestSettings(tn.Gateway)
		if RealGateway(tn.Gateway.SimulatorURL) {
			return nil, fmt.Errorf("tenant %d: test-mode payments refused: the simulator URL %s is Fiserv's gateway", tenantID, tn.Gateway.SimulatorURL)
		}
	}
	gs := tn.Gateway
	// the settings as stored (the secret sealed): nothing is opened while they stay the same
	key := fmt.Sprintf("%s|%s|%s|%s|%s|%d", gs.Mode, gs.SimulatorURL, gs.APIKey, gs.SealedSecret, gs.StoreID, gs.TimeoutMS)
	g.mu.Lock()
	if e, ok := g.cache[k]; ok && e.key == key {
		e.checked = g.now()
		g.cache[k] = e
		g.mu.Unlock()
		return e.client, nil
	}
	g.mu.Unlock()
	cfg, err := g.config(ctx, tn)
	if err != nil {
		return nil, err
	}
	cfg.Logger = g.log.With("component", "telecash", "tenant_id", tenantID)
	c, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("tenant %d gateway settings: %w", tenantID, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cache[k] = gatewayEntry{key: key, client: c, checked: g.now()}
	return c, nil
}

// TestSettings are the gateway settings of a tenant's test-mode payments:
// simulator mode at the tenant's simulator URL (or the built-in simulator)
// with the simulator's credentials; the tenant's own mode, store and keys
// are not used.
func TestSettings(gs tenancy.GatewaySettings) tenancy.GatewaySettings {
	return tenancy.GatewaySettings{Mode: "simulator", SimulatorURL: gs.SimulatorURL, TimeoutMS: gs.TimeoutMS}
}

// RealGateway reports whether URL u is at Fiserv's API host (production or
// sandbox), where test-mode payments must never go.
func RealGateway(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	real, _ := url.Parse(ProductionURL)
	h := strings.ToLower(p.Hostname())
	return h == real.Hostname() || strings.HasSuffix(h, ".fiservapps.com")
}

// config turns a tenant's settings into a client configuration, opening
// the stored API secret when the tenant's own credentials are used.
func (g *Gateways) config(ctx context.Context, tn tenancy.Tenant) (Config, error) {
	gs := tn.Gateway
	cfg := Config{APIKey: gs.APIKey, StoreID: gs.StoreID, Timeout: time.Duration(gs.TimeoutMS) * time.Millisecond}
	own := true
	switch {
	case gs.Mode == "sandbox":
		cfg.BaseURL = SandboxURL
	case gs.Mode == "production":
		cfg.BaseURL = ProductionURL
	case gs.SimulatorURL != "":
		cfg.BaseURL = gs.SimulatorURL
		if gs.APIKey == "" {
			cfg.APIKey, cfg.APISecret, cfg.StoreID, own = g.sim.APIKey, g.sim.APISecret, g.sim.StoreID, false
		}
	default:
		if g.sim.BuiltIn == nil {
			return Config{}, fmt.Errorf("tenant %d gateway: simulator mode needs a simulator URL: this process has no built-in simulator", tn.ID)
		}
		u, err := g.sim.BuiltIn()
		if err != nil {
			return Config{}, fmt.Errorf("tenant %d gateway: start the built-in Telecash simulator: %w", tn.ID, err)
		}
		cfg.BaseURL = u
		cfg.APIKey, cfg.APISecret, cfg.StoreID, own = g.sim.APIKey, g.sim.APISecret, g.sim.StoreID, false
	}
	if own {
		secret, err := g.secrets.OpenGatewaySecret(tn)
		if err != nil {
			g.log.ErrorContext(ctx, "telecash: the tenant's API secret cannot be opened; its payments fail until the key is configured or the secret entered again",
				"tenant_id", tn.ID, "tenant", tn.Slug, "err", err.Error())
			e := errs.New(errs.KindUnavailable, "gateway_unavailable")
			e.Err = err
			return Config{}, e
		}
		cfg.APISecret = secret
	}
	return cfg, nil
}
