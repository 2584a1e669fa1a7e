package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/internal/gctune"
	"mietwerk.dev/mietwerk/web"
)

func cmdServe(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	resolve := configFlags(fs, modeServe)
	if st, ok := parseFlags(c, fs, args, func(w io.Writer) {
		usage(w, "mietwerk serve [options]\n\nRuns the server: admin web under /admin/, /healthz, /readyz and /metrics.\nPending database migrations are applied at start-up.", fs, modeServe, nil)
	}); !ok {
		return st
	}
	cfg, err := resolve(c.getenv)
	if err != nil {
		return configError(c, "serve", err)
	}
	log := newLogger(cfg, c.stderr)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return failed(c, "serve", err)
	}
	defer st.Close()
	if err := serve(ctx, cfg, log, st, nil); err != nil {
		return failed(c, "serve", err)
	}
	return exitOK
}

// openStore creates the data directory, connects to the database and applies
// pending migrations (safe when several processes start at once).
func openStore(ctx context.Context, cfg Config, log *slog.Logger) (*store.Store, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory (--data-dir): %w", err)
	}
	start := time.Now()
	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{MaxOpenConns: cfg.DBMaxConns})
	if err != nil {
		return nil, fmt.Errorf("open database (--database-url): %w", err)
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	log.InfoContext(ctx, "database ready", "dialect", string(st.Dialect()), "schema_version", v,
		"migrations_applied", applied, "duration_ms", time.Since(start).Milliseconds())
	return st, nil
}

// server is what the root handler needs.
type server struct {
	cfg      Config
	log      *slog.Logger
	st       *store.Store
	svc      *services
	metrics  *httpx.Metrics
	draining atomic.Bool // set at shutdown: /readyz answers 503
	minFree  int64       // free disk /readyz wants on SQLite; 0: store.DefaultMinFreeBytes
}

// handler builds the root handler: /admin/ (admin web), /healthz, /readyz,
// /metrics and / (redirect to /admin/), wrapped in request ids, access log,
// panic recovery and metrics.
func (s *server) handler() http.Handler {
	proxies, _ := httpx.ParseProxies(s.cfg.TrustedProxies) // checked with the configuration
	mux := http.NewServeMux()
	mux.Handle("/admin/", web.New(web.Deps{
		Identity: s.svc.identity, Users: s.st, Tenancy: s.svc.tenancy, Logger: s.log, Now: time.Now, SecureCookies: s.cfg.SecureCookies,
		TrustedProxies: proxies,
		Fleet:          s.st, Damages: s.st, Categories: s.st, Pricing: s.st, Tariffs: s.st, Photos: photoStore(s.cfg),
		EInvoicer: xrechnung.EInvoicer{},
		Mail:      s.st,
		Bookings:  s.st, Flow: s.svc.bookings,

		Contracts: s.svc.contracts, ContractData: s.st,
		Cards: s.svc.cards, Retention: s.st, Attention: s.st,
		Webhooks: s.svc.webhooks, TestData: s.st, Search: s.st, RentalTerms: s.st, Payers: s.st, Covers: s.st, Plates: s.st,
	}))
	mux.Handle(web.PagePrefix, web.NewBookingPages(web.PageDeps{Pages: s.st, Bookings: s.svc.bookings, Contracts: s.svc.contracts,
		Tenancy: s.st, Documents: s.st, Calendar: mailtmpl.NewBookingMailer(s.svc.mails, s.cfg.MailFrom, s.cfg.PublicURL).Calendar,
		Logger: s.log.With("component", "booking-page"), Now: time.Now}))
	apiHandler := newAPIHandler(s.svc, s.log)
	mux.Handle("/api/", apiHandler)
	mux.Handle("/demo/", apiHandler)
	mux.Handle("/widget/", apiHandler)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.cfg.MetricsAddr == "" {
		mux.Handle("GET /metrics", s.metrics.Handler())
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/", http.StatusFound)
	})
	return httpx.AssignRequestID(httpx.AccessLog(s.log)(httpx.Recover(s.log)(httpx.HSTS(proxies)(s.metrics.Middleware(httpx.Compress(mux))))))
}

// readyz answers 200 when the database takes a durable write within 2
// seconds (a read-only database, a standby, a full disk or an unreachable
// server fail that; on SQLite the disk also needs minFree bytes free) and
// the server is not shutting down, else 503 with the reason.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.draining.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "shutting down")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	minFree := s.minFree
	if minFree == 0 {
		minFree = store.DefaultMinFreeBytes
	}
	if err := s.st.CheckWritable(ctx, minFree); err != nil {
		reason := httpx.PublicMessage(err)
		if e, ok := errs.As(err); ok && e.Code != "" {
			reason = string(e.Code) + ": " + reason
		}
		s.log.WarnContext(r.Context(), "readiness: database cannot write", "reason", reason, "error", err.Error())
		w.Header().Set("Retry-After", httpx.RetryAfterSeconds)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, reason)
		return
	}
	fmt.Fprintln(w, "ready")
}

// serve listens on cfg.Addr and serves until ctx ends or SIGINT/SIGTERM
// arrives, then stops accepting, lets running requests finish for up to
// cfg.ShutdownTimeout and closes what is left. onListen, when set, is called
// with the bound address before serving (port 0 picks a free one). It logs
// "listening" with the address.
func serve(ctx context.Context, cfg Config, log *slog.Logger, st *store.Store, onListen func(addr string)) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	gctune.Apply()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on --addr %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	if cfg.PublicURLFromAddr {
		cfg.PublicURL = urlOf(ln.Addr())
	}
	svc, err := newServices(cfg, log, st)
	if err != nil {
		return err
	}
	defer svc.close()
	if err := svc.prepareSecrets(ctx); err != nil {
		return err
	}
	if err := svc.startSimulatorIfUsed(ctx); err != nil {
		return err
	}
	if cfg.demoDay {
		// the demo still starts without its day (e.g. an older demo database
		// whose cars are taken): the rest of the data is there
		if err := svc.seedDemoDay(ctx); err != nil {
			log.WarnContext(ctx, "the demo's day (today's pickups, returns and contracts) was not seeded", "err", err.Error())
		}
	}
	s := &server{cfg: cfg, log: log, st: st, svc: svc, metrics: svc.metrics}
	if err := s.metrics.ObserveDB(st.DB(), string(st.Dialect())); err != nil {
		return err
	}
	if st.GroupsCommits() {
		// transactions per commit show how much the group commit shares
		for _, c := range []struct {
			name, help string
			fn         func() float64
		}{
			{"mietwerk_sqlite_write_transactions_total", "SQLite write transactions committed by this process.",
				func() float64 { return float64(st.WriteStats().Transactions) }},
			{"mietwerk_sqlite_commits_total", "SQLite commits (each one WAL append) of this process; several transactions share one under load.",
				func() float64 { return float64(st.WriteStats().Commits) }},
			{"mietwerk_sqlite_wal_syncs_total", "fsyncs of SQLite's WAL after the write lock, each making every commit before it durable.",
				func() float64 { return float64(st.WriteStats().Syncs) }},
			{"mietwerk_sqlite_write_lock_seconds_total", "Time SQLite's single write lock was held by this process (writes go on at most at 1 ÷ this per write).",
				func() float64 { return st.WriteStats().Held.Seconds() }},
			{"mietwerk_invoices_numbered_total", "Invoices issued on SQLite whose number was announced to the write queue.",
				func() float64 { return float64(st.WriteStats().Numbered) }},
			{"mietwerk_invoices_foreseen_total", "Of those, invoices whose number was foreseen, so their PDF and e-mails were made outside the write lock.",
				func() float64 { return float64(st.WriteStats().Foreseen) }},
		} {
			if err := s.metrics.ObserveCounter(c.name, c.help, c.fn); err != nil {
				return err
			}
		}
	}
	stopWorkers := svc.run(ctx)
	defer stopWorkers() // after the HTTP drain: in-flight e-mails finish sending
	srv := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // photo uploads
		WriteTimeout:      2 * time.Minute, // document downloads
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		// requests keep running on SIGTERM until drained, so their context
		// must not end with the signal
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	addr := ln.Addr().String()
	log.InfoContext(ctx, "listening", "addr", addr, "pid", os.Getpid())
	if onListen != nil {
		onListen(addr)
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if cfg.MetricsAddr != "" {
		// /metrics apart from the public address: only the monitoring
		// network reaches it
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("listen on --metrics-addr %s: %w", cfg.MetricsAddr, err)
		}
		mmux := http.NewServeMux()
		mmux.Handle("GET /metrics", s.metrics.Handler())
		msrv := &http.Server{Handler: mmux, ReadHeaderTimeout: 10 * time.Second}
		defer msrv.Close()
		log.InfoContext(ctx, "metrics listening", "addr", mln.Addr().String())
		go func() {
			if err := msrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics: %w", err)
			}
		}()
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stop() // a second signal ends the process at once
	s.draining.Store(true)
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown timeout: closing remaining connections", "error", err.Error())
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// urlOf is the http URL of a listening address, as a browser on this
// machine reaches it (an address of every interface as localhost).
func urlOf(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
