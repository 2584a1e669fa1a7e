package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/secrets"
)

func cmdDemo(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	resolve := configFlags(fs, modeDemo)
	if st, ok := parseFlags(c, fs, args, func(w io.Writer) {
		usage(w, "mietwerk demo [options]\n\nRuns the server with the demo tenant \"Autohaus König\" (3 stations, 30 vehicles, tariffs,\nan admin, one login per station, a public, a secret and a staff API key). The first start creates the data,\n<data-dir>/"+demo.CredentialsFile+" and, without --secret-key, the secret key <data-dir>/"+demoKeyFile+" (mode 0600);\nlater starts reuse them. Prints the logins and the keys.", fs, modeDemo, nil)
	}); !ok {
		return st
	}
	cfg, err := resolve(c.getenv)
	if err != nil {
		return configError(c, "demo", err)
	}
	log := newLogger(cfg, c.stderr)
	start := time.Now()
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return failed(c, "demo", err)
	}
	defer st.Close()
	keyPath := ""
	if cfg.SecretKey == "" {
		keyPath = filepath.Join(cfg.DataDir, demoKeyFile)
		created, err := demoSecretKey(keyPath, &cfg)
		if err != nil {
			return failed(c, "demo", err)
		}
		if created {
			log.InfoContext(ctx, "secret key created", "path", keyPath)
		}
	}
	idsvc := identity.NewService(st, identity.Config{}, time.Now)
	creds, err := demo.Seed(ctx, st, idsvc, cfg.DataDir)
	if err != nil {
		return failed(c, "demo", err)
	}
	log.InfoContext(ctx, "demo data ready", "tenant", creds.Tenant, "duration_ms", time.Since(start).Milliseconds())
	credsPath := filepath.Join(cfg.DataDir, demo.CredentialsFile)
	cfg.DemoAPIKey = creds.APIKey // the example integration at /demo/booking works without pasting it
	cfg.demoDay = true
	err = serve(ctx, cfg, log, st, func(addr string) {
		printCredentials(c.stdout, creds, baseURL(addr), credsPath, keyPath)
	})
	if err != nil {
		return failed(c, "demo", err)
	}
	return exitOK
}

// baseURL turns a bound address into the URL a browser on this machine uses.
func baseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// demoKeyFile is the file in the data directory that holds the demo's
// secret key when none is configured.
const demoKeyFile = "secret.key"

// demoSecretKey puts the key of the file at path into cfg.SecretKey,
// creating the file (mode 0600, a new random key) when there is none, and
// reports whether it did.
func demoSecretKey(path string, cfg *Config) (created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err := secrets.GenerateKey(nil)
		if err != nil {
			return false, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return false, fmt.Errorf("create the secret key file: %w", err)
		}
		_, err = f.WriteString(key + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return false, fmt.Errorf("write the secret key file: %w", err)
		}
		cfg.SecretKey = key
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the secret key file: %w", err)
	}
	if _, err := secrets.ParseKey(string(b)); err != nil {
		return false, fmt.Errorf("the secret key file %s is not a key (%v): restore it from a backup, or give the key with --secret-key-file", path, err)
	}
	cfg.SecretKey = strings.TrimSpace(string(b))
	return false, nil
}

// printCredentials shows how to sign in to the running demo; keyPath is the
// file of the secret key ("" when one was configured).
func printCredentials(w io.Writer, c demo.Credentials, url, path, keyPath string) {
	fmt.Fprintf(w, "\nMietwerk demo — Autohaus König\n\n")
	fmt.Fprintf(w, "  Admin web:  %s/admin/\n\n", url)
	fmt.Fprintf(w, "  %-8s %-40s %s\n", "Role", "E-mail", "Password")
	fmt.Fprintf(w, "  %-8s %-40s %s\n", "admin", c.Admin.Email, c.Admin.Password)
	for _, l := range c.Stations {
		fmt.Fprintf(w, "  %-8s %-40s %s\n", l.Station, l.Email, l.Password)
	}
	fmt.Fprintf(w, "\n  API keys:   public (browser, /demo/booking)  %s\n", c.APIKey)
	fmt.Fprintf(w, "              secret (the dealer's server)     %s\n", c.SecretAPIKey)
	fmt.Fprintf(w, "              staff (tablet apps)              %s\n", c.StaffAPIKey)
	fmt.Fprintf(w, "  Test mode:  public                           %s\n", c.TestAPIKey)
	fmt.Fprintf(w, "              secret                           %s\n", c.TestSecretAPIKey)
	fmt.Fprintf(w, "              staff                            %s\n", c.TestStaffAPIKey)
	fmt.Fprintf(w, "              (test bookings: simulator payments, TEST- invoices, wiped under Administration → API keys)\n")
	fmt.Fprintf(w, "  Saved in:   %s\n", path)
	if keyPath != "" {
		fmt.Fprintf(w, "  Secret key: %s (encrypts the stored Telecash API secrets; keep it with the data)\n", keyPath)
	}
	fmt.Fprintln(w)
}

// seedDemoDay gives the demo tenant today's pickups, returns and running
// contracts (demo.SeedDay) through the services the app uses. Call it
// before the background workers run.
func (s *services) seedDemoDay(ctx context.Context) error {
	return demo.SeedDay(ctx, s.st, demo.DayServices{Bookings: s.bookings, Contracts: s.contracts, HandOverAt: s.handOverAt,
		ContractsAt: s.contractsAt}, time.Now())
}

// contractsAt is the contract service over a second connection to the
// same database whose clock stands at at (close it when done): a past
// test drive's start, handover and return carry their own times.
func (s *services) contractsAt(ctx context.Context, at time.Time) (*contract.Service, func(), error) {
	clock := func() time.Time { return at }
	st, err := store.Open(ctx, s.cfg.DatabaseURL, store.Options{Now: clock, MaxOpenConns: 2})
	if err != nil {
		return nil, nil, err
	}
	return newContractService(st, s.payments, s.pdf, s.mails, s.cfg.MailFrom, clock, s.log), func() { st.Close() }, nil
}

// handOverAt runs handover h as if it happened at instant at: through the
// contract service over a second connection to the same database whose
// clock stands at at, so that the contract, its protocol and its e-mail
// carry that time and the planned return may lie before today.
func (s *services) handOverAt(ctx context.Context, at time.Time, h *contract.Handover) (contract.Contract, error) {
	clock := func() time.Time { return at }
	st, err := store.Open(ctx, s.cfg.DatabaseURL, store.Options{Now: clock, MaxOpenConns: 2})
	if err != nil {
		return contract.Contract{}, err
	}
	defer st.Close()
	return newContractService(st, s.payments, s.pdf, s.mails, s.cfg.MailFrom, clock, s.log).Handover(ctx, h)
}
