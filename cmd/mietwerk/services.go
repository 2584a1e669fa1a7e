package main

import (
	"context"
	"errors"
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
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/secrets"
	"mietwerk.dev/mietwerk/tenancy"
	"mietwerk.dev/mietwerk/webhook"
)

// services are the long-lived services and background workers of one
// process, built from the configuration and the store. Everything they share
// with other processes lives in the database.
type services struct {
	cfg       Config
	log       *slog.Logger
	st        *store.Store
	keys      *secrets.Keyring // nil: no secret key configured
	tenancy   tenancy.Store    // st, sealing a gateway secret before it is saved
	identity  *identity.Service
	gateways  *telecash.Gateways
	payments  *payment.Service
	outbox    *mail.Outbox
	transport mail.Transport
	pdf       document.Renderer
	mails     *mailtmpl.Renderer
	metrics   *httpx.Metrics        // the server's /metrics (the booking stages are recorded here)
	sim       *telecashsim.OnDemand // built-in simulator, started once a tenant in simulator mode without a URL of its own needs it
	bookings  *booking.Service      // the online booking API's orchestration
	contracts *contract.Service     // handover, return, billing
	cards     *payment.CardEraser   // stored cards deleted at the gateway after an erasure request
	retention *customer.Retention   // GDPR final deletion, token deletion retries, photo retention
	webhooks  *webhook.Service      // webhook endpoints and their delivery log
	// dispatcher renders queued webhook events and delivers them
	dispatcher *webhook.Dispatcher
}

// faultInject is set only in builds with the faultinject tag (the process
// tests, see faultinject.go): it wraps the renderer and the mail transport
// so that chosen rows crash them.
var faultInject func(document.Renderer, mail.Transport) (document.Renderer, mail.Transport)

// jobRunner runs the items of a background job over the store: one that
// fails or crashes is logged with its id, marked for staff and backed off.
func jobRunner(st *store.Store, log *slog.Logger) *job.Runner {
	return &job.Runner{Store: st, Log: log, Now: time.Now}
}

// newServices builds the services. Errors name the option at fault.
func newServices(cfg Config, log *slog.Logger, st *store.Store) (*services, error) {
	recoveryDefaults(&cfg)
	s := &services{cfg: cfg, log: log, st: st, pdf: pdf.New(), metrics: httpx.NewMetrics()}
	var err error
	if s.keys, err = keyring(cfg); err != nil {
		return nil, err
	}
	s.tenancy = secrets.Tenants(st, s.keys)
	s.identity = identity.NewService(st, identity.Config{
		IdleTimeout: cfg.SessionIdleTimeout, AbsoluteTimeout: cfg.SessionAbsoluteTimeout,
	}, time.Now)
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
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create mail directory under --data-dir: %w", err)
		}
		if s.transport, err = mailfile.New(dir, time.Now); err != nil {
			return nil, err
		}
	}
	if faultInject != nil {
		s.pdf, s.transport = faultInject(s.pdf, s.transport)
	}
	host, _ := os.Hostname()
	s.outbox = mail.NewOutbox(st, s.transport, mail.OutboxConfig{Worker: fmt.Sprintf("%s:%d", host, os.Getpid()),
		MaxAttempts: cfg.MailMaxAttempts, Backoff: mail.BackoffFrom(cfg.MailRetryDelay)}, time.Now, log)
	s.sim, s.gateways = newGateways(cfg, st, s.keys, log)
	s.payments = payment.NewService(st, s.gateways, payment.Config{Jobs: jobRunner(st, log.With("component", "payment")),
		LateWindow: cfg.PaymentLateWindow, StalePending: min(2*time.Minute, cfg.IdempotencyLock)}, time.Now, nil, log)
	s.contracts = newContractService(st, s.payments, s.pdf, s.mails, cfg.MailFrom, time.Now, log)
	// the confirmations quote the split the reservation page shows (contract.Service.ReservationSplit)
	s.bookings = newBookingService(st, s.payments, s.pdf, s.mails, cfg.MailFrom, cfg.PublicURL, cfg.IdempotencyLock, log,
		s.metrics.ObserveBookingStage, s.contracts)
	s.cards = payment.NewCardEraser(st, s.gateways, time.Now, nil, log.With("component", "card-eraser")).
		WithJobs(jobRunner(st, log.With("component", "card-eraser")))
	s.retention = newRetention(cfg, st, s.cards, log)
	if err := s.newWebhooks(); err != nil {
		return nil, err
	}
	return s, nil
}

// recoveryDefaults fills the recovery timings a Config built without the
// option table leaves zero.
func recoveryDefaults(cfg *Config) {
	if cfg.IdempotencyLock <= 0 {
		cfg.IdempotencyLock = 5 * time.Minute
	}
	if cfg.PaymentLateWindow <= 0 {
		cfg.PaymentLateWindow = payment.DefaultLateWindow
	}
	if cfg.RecoveryInterval <= 0 {
		cfg.RecoveryInterval = 15 * time.Second
	}
}

// run starts the background workers (e-mail outbox, webhooks, payment
// reconciler, pending bookings, cancellations and refund retries, resumed
// returns and billing — these every --recovery-interval —, retention,
// store housekeeping, automatic backups with --backup-dir) and
// returns a function that stops them and waits until in-flight work is done.
func (s *services) run(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(identity.WithActor(ctx, identity.System()))
	every := s.cfg.RecoveryInterval
	var wg sync.WaitGroup
	wg.Add(7)
	go func() { defer wg.Done(); s.outbox.Run(ctx) }()
	go func() { defer wg.Done(); s.payments.RunReconciler(ctx, every) }()
	go func() { defer wg.Done(); s.bookings.Run(ctx, every) }()
	go func() { defer wg.Done(); s.contracts.Run(ctx, every, s.cfg.IdempotencyLock) }()
	go func() { defer wg.Done(); s.dispatcher.Run(ctx) }()
	go func() { defer wg.Done(); s.retention.Run(ctx, retentionFirstRun, retentionInterval) }()
	go func() { defer wg.Done(); s.st.RunHousekeeping(ctx, s.log.With("component", "housekeeping")) }()
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
	s.sim.Close()
}

// keyring returns the secret keys of the configuration (nil when none is
// configured). The texts were checked when the configuration was read.
func keyring(cfg Config) (*secrets.Keyring, error) {
	if cfg.SecretKey == "" {
		return nil, nil
	}
	k, err := secrets.NewKeyring(cfg.SecretKey, secrets.SplitKeys(cfg.SecretKeyPrevious))
	if err != nil {
		return nil, fmt.Errorf("invalid --secret-key or --secret-key-previous: %w", err)
	}
	return k, nil
}

// prepareSecrets runs the secrets' start-up step (secrets.StartUp): it
// refuses to start when gateway secrets are stored that this process could
// not read (no key; a key that opens none of them), seals those stored as
// plain text, and logs each one that does not open.
func (s *services) prepareSecrets(ctx context.Context) error {
	r, err := secrets.StartUp(identity.WithActor(ctx, identity.System()), s.st, s.keys)
	var noKey *secrets.NoKeyError
	if errors.As(err, &noKey) {
		hint := ""
		if f := filepath.Join(s.cfg.DataDir, demoKeyFile); fileExists(f) {
			hint = "; this data directory has the key file of mietwerk demo: " + f
		}
		return fmt.Errorf("%w%s", err, hint)
	}
	if err != nil {
		return err
	}
	if r.Sealed > 0 {
		s.log.InfoContext(ctx, "stored Telecash API secrets encrypted", "count", r.Sealed, "key_id", s.keys.PrimaryID())
	}
	for _, f := range r.Failed {
		s.log.ErrorContext(ctx, "a stored Telecash API secret cannot be read; the tenant's payments fail until the key is configured or the secret entered again",
			"tenant_id", f.TenantID, "tenant", f.TenantSlug, "key_id", f.KeyID, "err", f.Err.Error())
	}
	if s.keys == nil {
		s.log.WarnContext(ctx, "no secret key configured (MIETWERK_SECRET_KEY_FILE): a Telecash API secret cannot be saved in the settings")
	}
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// newGateways wires the tenants' Telecash clients with this process's
// built-in simulator, which starts on first use, and the keys that open
// the tenants' API secrets.
func newGateways(cfg Config, st *store.Store, keys *secrets.Keyring, log *slog.Logger) (*telecashsim.OnDemand, *telecash.Gateways) {
	sim := telecashsim.NewOnDemand(cfg.SimAddr, telecashsim.Options{Logger: log.With("component", "telecash-sim")})
	return sim, telecash.NewGateways(st, keys, telecash.Simulator{APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret,
		StoreID: telecashsim.DefaultStoreID, BuiltIn: sim.URL}, log, time.Now)
}

// startSimulatorIfUsed starts the built-in simulator now when a tenant pays
// through it, so that a bad --telecash-sim-addr stops the start-up; else it
// starts only when a tenant is switched to it.
func (s *services) startSimulatorIfUsed(ctx context.Context) error {
	tenants, err := s.st.ListTenants(identity.WithActor(ctx, identity.System()))
	if err != nil {
		return err
	}
	for _, t := range tenants {
		if telecash.UsesBuiltIn(t.Gateway) {
			if _, err := s.sim.URL(); err != nil {
				return fmt.Errorf("start the built-in Telecash simulator on --telecash-sim-addr %s (tenant %s is in simulator mode): %w", s.cfg.SimAddr, t.Slug, err)
			}
			return nil
		}
	}
	return nil
}
