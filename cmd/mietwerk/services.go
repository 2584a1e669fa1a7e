package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"mietwerk.dev/mietwerk/adapter/mailfile"
	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/smtp"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
)

// services are the long-lived services and background workers of one
// process, built from the configuration and the store. Everything they share
// with other processes lives in the database.
type services struct {
	cfg       Config
	log       *slog.Logger
	st        *store.Store
	identity  *identity.Service
	gateways  *tenantGateways
	payments  *payment.Service
	outbox    *mail.Outbox
	transport mail.Transport
	pdf       *pdf.Renderer
	mails     *mailtmpl.Renderer
	sim       *telecashsim.Server // built-in simulator for tenants in simulator mode
	bookings  *booking.Service    // the online booking API's orchestration
	contracts *contract.Service   // handover, return, billing
	cards     *payment.CardEraser // stored cards deleted at the gateway after an erasure request
	retention *customer.Retention // GDPR final deletion, token deletion retries, photo retention
}

// newServices builds the services. Errors name the option at fault.
func newServices(cfg Config, log *slog.Logger, st *store.Store) (*services, error) {
	s := &services{cfg: cfg, log: log, st: st, pdf: pdf.New()}
	s.identity = identity.NewService(st, identity.Config{
		IdleTimeout: cfg.SessionIdleTimeout, AbsoluteTimeout: cfg.SessionAbsoluteTimeout,
	}, time.Now)
	var err error
	if s.mails, err = mailtmpl.New(); err != nil {
		return nil, fmt.Errorf("mail templates: %w", err)
	}
	switch cfg.MailTransport {
	case "smtp":
		if cfg.SMTPHost == "" {
			return nil, fmt.Errorf("invalid configuration: --smtp-host (MIETWERK_SMTP_HOST) is required with --mail-transport=smtp; use --mail-transport=keep to keep e-mails for viewing instead")
		}
		auth := smtp.AuthNone
		if cfg.SMTPUsername != "" {
			auth = smtp.AuthPlain
		}
		s.transport, err = smtp.New(smtp.Config{Host: cfg.SMTPHost, Port: cfg.SMTPPort, TLS: smtp.TLSMode(cfg.SMTPTLS),
			Auth: auth, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword})
		if err != nil {
			return nil, fmt.Errorf("invalid SMTP configuration (--smtp-*): %w", err)
		}
	default:
		dir := filepath.Join(cfg.DataDir, "mail")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create mail directory under --data-dir: %w", err)
		}
		if s.transport, err = mailfile.New(dir, time.Now); err != nil {
			return nil, err
		}
	}
	host, _ := os.Hostname()
	s.outbox = mail.NewOutbox(st, s.transport, mail.OutboxConfig{Worker: fmt.Sprintf("%s:%d", host, os.Getpid()),
		MaxAttempts: cfg.MailMaxAttempts, Backoff: mail.BackoffFrom(cfg.MailRetryDelay)}, time.Now, log)
	s.sim, err = telecashsim.NewServer(cfg.SimAddr, telecashsim.Options{Logger: log.With("component", "telecash-sim")})
	if err != nil {
		return nil, fmt.Errorf("start the built-in Telecash simulator on --telecash-sim-addr %s: %w", cfg.SimAddr, err)
	}
	s.gateways = &tenantGateways{st: st, simURL: s.sim.URL, log: log, cache: map[int64]gatewayEntry{}}
	s.payments = payment.NewService(st, s.gateways, payment.Config{}, time.Now, nil, log)
	s.bookings = newBookingService(st, s.payments, s.pdf, s.mails, cfg.MailFrom, log)
	s.contracts = newContractService(st, s.payments, s.pdf, s.mails, cfg.MailFrom, log)
	s.cards = payment.NewCardEraser(st, s.gateways, time.Now, nil, log.With("component", "card-eraser"))
	s.retention = newRetention(cfg, st, s.cards, log)
	return s, nil
}

// run starts the background workers (e-mail outbox, payment reconciler,
// retention, automatic backups with --backup-dir) and
// returns a function that stops them and waits until in-flight work is done.
func (s *services) run(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(identity.WithActor(ctx, identity.System()))
	var wg sync.WaitGroup
	wg.Add(5)
	go func() { defer wg.Done(); s.outbox.Run(ctx) }()
	go func() { defer wg.Done(); s.payments.RunReconciler(ctx, 30*time.Second) }()
	go func() { defer wg.Done(); runBookingJobs(ctx, s.st, s.bookings, s.log) }()
	go func() { defer wg.Done(); runContractJobs(ctx, s.st, s.contracts, s.log) }()
	go func() { defer wg.Done(); s.retention.Run(ctx, retentionFirstRun, retentionInterval) }()
	if s.cfg.BackupDir != "" {
		j := &store.BackupJob{Store: s.st, Dir: s.cfg.BackupDir, PhotoDir: s.cfg.PhotoDir, Keep: s.cfg.BackupKeep, Now: time.Now,
			Log: s.log.With("component", "backup")}
		wg.Add(1)
		go func() { defer wg.Done(); j.Run(ctx, store.BackupCheckInterval) }()
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// close releases what newServices opened.
func (s *services) close() {
	if s.sim != nil {
		s.sim.Close()
	}
}

// tenantGateways gives each tenant a Telecash client built from its gateway
// settings: the built-in simulator, the sandbox or production.
type tenantGateways struct {
	st     *store.Store
	simURL string
	log    *slog.Logger
	mu     sync.Mutex
	cache  map[int64]gatewayEntry
}

type gatewayEntry struct {
	key     string // settings the client was built from
	client  *telecash.Client
	checked time.Time // when the settings were last read
}

// gatewaySettingsTTL is how long a tenant's client is used without
// re-reading its settings (a booking makes two or three gateway calls).
const gatewaySettingsTTL = 5 * time.Second

// Gateway returns the tenant's gateway client, rebuilt when its settings
// change (noticed within gatewaySettingsTTL).
func (g *tenantGateways) Gateway(ctx context.Context, tenantID int64) (payment.Gateway, error) {
	g.mu.Lock()
	if e, ok := g.cache[tenantID]; ok && time.Since(e.checked) < gatewaySettingsTTL {
		g.mu.Unlock()
		return e.client, nil
	}
	g.mu.Unlock()
	tn, err := g.st.Tenant(identity.WithActor(ctx, identity.SystemFor(tenantID)))
	if err != nil {
		return nil, err
	}
	gs := tn.Gateway
	cfg := telecash.Config{APIKey: gs.APIKey, APISecret: gs.Secret, StoreID: gs.StoreID,
		Timeout: time.Duration(gs.TimeoutMS) * time.Millisecond, Logger: g.log.With("component", "telecash", "tenant_id", tenantID)}
	switch gs.Mode {
	case "sandbox":
		cfg.BaseURL = telecash.SandboxURL
	case "production":
		cfg.BaseURL = telecash.ProductionURL
	default:
		cfg.BaseURL = g.simURL
		cfg.APIKey, cfg.APISecret, cfg.StoreID = telecashsim.DefaultAPIKey, telecashsim.DefaultAPISecret, telecashsim.DefaultStoreID
	}
	key := fmt.Sprintf("%s|%s|%s|%s|%s|%d", gs.Mode, cfg.BaseURL, cfg.APIKey, cfg.APISecret, cfg.StoreID, gs.TimeoutMS)
	g.mu.Lock()
	defer g.mu.Unlock()
	if e, ok := g.cache[tenantID]; ok && e.key == key {
		e.checked = time.Now()
		g.cache[tenantID] = e
		return e.client, nil
	}
	c, err := telecash.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("tenant %d gateway settings: %w", tenantID, err)
	}
	g.cache[tenantID] = gatewayEntry{key: key, client: c, checked: time.Now()}
	return c, nil
}
