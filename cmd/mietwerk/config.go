package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/secrets"
	"mietwerk.dev/mietwerk/webhook"
)

// Config is the whole configuration of one mietwerk process. It is built only
// here, from flags, MIETWERK_* environment variables and defaults, and handed
// down explicitly: there is no global configuration.
type Config struct {
	Addr                   string
	DataDir                string
	DatabaseURL            string // postgres://… or a SQLite file path; default <DataDir>/mietwerk.db
	PhotoDir               string // folder for damage photos; "" keeps them in the database
	DBMaxConns             int    // PostgreSQL pool size (store.Options.MaxOpenConns); 0 = the store's default
	LogLevel               slog.Level
	LogFormat              string // "json" or "text"
	SecureCookies          bool
	ShutdownTimeout        time.Duration
	SessionIdleTimeout     time.Duration
	SessionAbsoluteTimeout time.Duration

	PublicURL string // base URL customers and integrators reach, for links in e-mails
	// PublicURLFromAddr: the demo without --public-url links to the address
	// it listens on (with --addr 127.0.0.1:0, the port it got).
	PublicURLFromAddr bool
	MailTransport     string // "keep" (store and write .eml under <data-dir>/mail) or "smtp"
	MailFrom          string // fallback sender when a tenant has none
	SMTPHost          string
	SMTPPort          int
	SMTPTLS           string // none, starttls, opportunistic, tls
	SMTPUsername      string
	SMTPPassword      string
	SimAddr           string // listen address of the built-in Telecash simulator (started when a tenant uses it)
	// IdempotencyLock is how long an Idempotency-Key stays locked to a
	// request that may still run, and a booking leased to the process
	// working on it, and how long a billing run may go unchanged before
	// another process takes it over: work a stopped process left is
	// resumed after it.
	IdempotencyLock time.Duration
	// PaymentLateWindow is how long after sending a payment the gateway may
	// still apply it (payment.Config.LateWindow).
	PaymentLateWindow time.Duration
	// RecoveryInterval is how often each process looks for work a stopped
	// process or a gateway fault left: payments to inquire about, pending
	// bookings (taken over once 2 intervals old), cancellations, billing.
	RecoveryInterval time.Duration

	// MailMaxAttempts is how many delivery attempts the outbox makes before
	// it gives up on a message (flagged for resending in the admin UI).
	MailMaxAttempts int
	// MailRetryDelay is the wait after the first failed attempt; it doubles
	// after each further failure, up to mail.BackoffCap.
	MailRetryDelay time.Duration

	// APICORSOrigins lists the origins (scheme://host[:port], normalised,
	// comma-separated; a string keeps Config comparable) whose browser pages
	// may call the booking API; "*" allows any; empty allows none.
	APICORSOrigins string
	// BackupDir is the folder for automatic daily backups of the SQLite
	// database and the photo folder ("" = off); BackupKeep is how many are
	// kept there.
	BackupDir  string
	BackupKeep int

	// TrustedProxies lists the reverse proxies (CIDRs, comma-separated)
	// whose X-Forwarded-For/Forwarded and X-Forwarded-Proto headers are
	// believed; empty: none.
	TrustedProxies string
	// MetricsAddr serves /metrics on an address of its own (and not on
	// Addr); empty: /metrics on Addr.
	MetricsAddr string

	// WebhookAllowPrivate lets webhook endpoints use loopback, private and
	// other non-public addresses and plain http (development and tests).
	WebhookAllowPrivate bool
	// WebhookTimeout bounds one delivery attempt.
	WebhookTimeout time.Duration
	// WebhookSchedule is the webhook retry schedule (comma-separated
	// durations, the first attempt's wait first; a string keeps Config
	// comparable).
	WebhookSchedule string
	// SecretKey encrypts the stored secrets (the tenants' Telecash API
	// secrets; see package secrets): base64 text, "" = none.
	// SecretKeyPrevious lists keys being replaced (comma-separated), which
	// only decrypt, until `mietwerk secrets rotate` has re-encrypted
	// everything with SecretKey.
	SecretKey         string
	SecretKeyPrevious string

	// DemoAPIKey is filled into the /demo/booking page. Only `mietwerk demo`
	// sets it (from the demo credentials); it is no option.
	DemoAPIKey string
	// demoDay: serve seeds the demo tenant's day (demo.SeedDay) through its
	// services before it answers. Only `mietwerk demo` sets it.
	demoDay bool
}

// mode says which command a configuration is for; it picks the defaults.
type mode int

const (
	modeServe   mode = iota // production defaults
	modeDemo                // local demo defaults
	modeAdmin               // migrate, user, apikey: database options only
	modeBackup              // backup: database and photo folder options
	modeSecrets             // secrets rotate: database and secret key options
)

// option is one configuration setting: a flag, its environment variable
// (with a *_FILE variant for secrets) and its default per mode.
type option struct {
	name    string // flag name, e.g. "addr"
	env     string // MIETWERK_ADDR
	help    string
	isBool  bool
	secret  bool                // also read from <env>_FILE, and never echoed in errors
	modes   []mode              // which commands have it
	def     func(m mode) string // default value as text
	defDoc  string              // default as documented, when not a plain value
	apply   func(*Config, string) error
	explain string // what a valid value looks like, for the error line
}

func (o option) has(m mode) bool {
	for _, x := range o.modes {
		if x == m {
			return true
		}
	}
	return false
}

func constDef(v string) func(mode) string { return func(mode) string { return v } }

var allModes = []mode{modeServe, modeDemo, modeAdmin, modeBackup, modeSecrets}
var serverModes = []mode{modeServe, modeDemo}

// options lists every setting in the order --help shows them. The table is
// read-only data; the values live in Config.
func options() []option {
	return []option{
		{name: "addr", env: "MIETWERK_ADDR", modes: serverModes,
			help: "address to listen on (host:port; port 0 picks a free port)",
			def: func(m mode) string {
				if m == modeDemo {
					return "localhost:8080"
				}
				return ":8080"
			},
			defDoc:  `":8080" (demo: "localhost:8080")`,
			explain: "want host:port such as :8080 or 127.0.0.1:8080",
			apply: func(c *Config, v string) error {
				host, port, err := net.SplitHostPort(v)
				if err != nil {
					return err
				}
				if strings.ContainsAny(host, " /") {
					return errors.New("bad host")
				}
				if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
					return errors.New("bad port")
				}
				c.Addr = v
				return nil
			}},
		{name: "data-dir", env: "MIETWERK_DATA_DIR", modes: allModes,
			help: "directory for the SQLite file, uploads and demo credentials",
			def:  constDef("./mietwerk-data"), explain: "want a directory path",
			apply: func(c *Config, v string) error {
				if strings.TrimSpace(v) == "" {
					return errors.New("empty")
				}
				c.DataDir = filepath.Clean(v)
				return nil
			}},
		{name: "photo-dir", env: "MIETWERK_PHOTO_DIR", modes: []mode{modeServe, modeDemo, modeBackup},
			help: "folder for damage photos, shared by all server processes (empty: photos are kept in the database)",
			def:  constDef(""), defDoc: "photos in the database", explain: "want a directory path",
			apply: func(c *Config, v string) error {
				if v != "" {
					c.PhotoDir = filepath.Clean(v)
				}
				return nil
			}},
		{name: "database-url", env: "MIETWERK_DATABASE_URL", modes: allModes, secret: true,
			help:    "database: postgres://user:pass@host/db?sslmode=… or a SQLite file path",
			def:     constDef(""),
			defDoc:  "SQLite file <data-dir>/mietwerk.db",
			explain: "want postgres://…, postgresql://…, host=… (libpq keywords) or a SQLite file path",
			apply: func(c *Config, v string) error {
				if err := checkDatabaseURL(v); err != nil {
					return err
				}
				c.DatabaseURL = v
				return nil
			}},
		{name: "db-max-conns", env: "MIETWERK_DB_MAX_CONNS", modes: serverModes,
			help: "PostgreSQL connections this process opens at most (and half as many for its lazy commits); all processes together should stay near 2–4 × the database server's cores; ignored for SQLite",
			def:  constDef(strconv.Itoa(store.DefaultMaxOpenConns)), explain: "want a whole number from 2 to 500",
			apply: func(c *Config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n < 2 || n > 500 {
					return errors.New("out of range")
				}
				c.DBMaxConns = n
				return nil
			}},
		{name: "log-level", env: "MIETWERK_LOG_LEVEL", modes: allModes,
			help: "least severe log level written: debug, info, warn or error",
			def:  constDef("info"), explain: "want debug, info, warn or error",
			apply: func(c *Config, v string) error {
				switch strings.ToLower(v) {
				case "debug", "info", "warn", "error":
					return c.LogLevel.UnmarshalText([]byte(v))
				}
				return errors.New("unknown level")
			}},
		{name: "log-format", env: "MIETWERK_LOG_FORMAT", modes: allModes,
			help: "log format: json (one object per line) or text",
			def:  constDef("json"), explain: "want json or text",
			apply: func(c *Config, v string) error {
				if v != "json" && v != "text" {
					return errors.New("unknown format")
				}
				c.LogFormat = v
				return nil
			}},
		{name: "secure-cookies", env: "MIETWERK_SECURE_COOKIES", modes: serverModes, isBool: true,
			help: "mark session cookies Secure (HTTPS only); turn off only for plain-HTTP local use",
			def: func(m mode) string {
				if m == modeDemo {
					return "false"
				}
				return "true"
			},
			defDoc:  "true (demo: false)",
			explain: "want true or false",
			apply: func(c *Config, v string) (err error) {
				c.SecureCookies, err = strconv.ParseBool(v)
				return err
			}},
		{name: "shutdown-timeout", env: "MIETWERK_SHUTDOWN_TIMEOUT", modes: serverModes,
			help: "how long SIGINT/SIGTERM waits for running requests before closing them",
			def:  constDef("20s"), explain: "want a positive duration such as 20s or 1m",
			apply: durationInto(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
		{name: "session-idle-timeout", env: "MIETWERK_SESSION_IDLE_TIMEOUT", modes: serverModes,
			help: "an admin session ends after this long without a request",
			def:  constDef("30m"), explain: "want a positive duration such as 30m",
			apply: durationInto(func(c *Config) *time.Duration { return &c.SessionIdleTimeout })},
		{name: "session-absolute-timeout", env: "MIETWERK_SESSION_ABSOLUTE_TIMEOUT", modes: serverModes,
			help: "an admin session ends this long after sign-in, active or not",
			def:  constDef("12h"), explain: "want a positive duration such as 12h",
			apply: durationInto(func(c *Config) *time.Duration { return &c.SessionAbsoluteTimeout })},
		{name: "public-url", env: "MIETWERK_PUBLIC_URL", modes: serverModes,
			help: "base URL of this server as customers reach it (links in e-mails)",
			def: func(m mode) string {
				if m == modeDemo {
					return "http://localhost:8080"
				}
				return ""
			},
			defDoc: `"" (demo: the address it listens on, e.g. "http://localhost:8080")`, explain: "want an absolute http(s) URL such as https://miete.autohaus.de",
			apply: func(c *Config, v string) error {
				if v == "" {
					return nil
				}
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return errors.New("not an absolute URL")
				}
				c.PublicURL = strings.TrimRight(v, "/")
				return nil
			}},
		{name: "mail-transport", env: "MIETWERK_MAIL_TRANSPORT", modes: serverModes,
			help: "how e-mails leave: smtp, or keep (kept in the database for viewing and written as .eml files under <data-dir>/mail)",
			def: func(m mode) string {
				if m == modeDemo {
					return "keep"
				}
				return "smtp"
			},
			defDoc: `"smtp" (demo: "keep")`, explain: "want smtp or keep",
			apply: func(c *Config, v string) error {
				if v != "smtp" && v != "keep" {
					return errors.New("unknown transport")
				}
				c.MailTransport = v
				return nil
			}},
		{name: "mail-from", env: "MIETWERK_MAIL_FROM", modes: serverModes,
			help: "sender address used when a tenant has none configured",
			def:  constDef("noreply@mietwerk.local"), explain: "want an e-mail address",
			apply: func(c *Config, v string) error {
				if !strings.Contains(v, "@") || strings.ContainsAny(v, " <>") {
					return errors.New("not an address")
				}
				c.MailFrom = v
				return nil
			}},
		{name: "smtp-host", env: "MIETWERK_SMTP_HOST", modes: serverModes,
			help: "SMTP server host (needed when --mail-transport=smtp)",
			def:  constDef(""), explain: "want a host name",
			apply: func(c *Config, v string) error { c.SMTPHost = v; return nil }},
		{name: "smtp-port", env: "MIETWERK_SMTP_PORT", modes: serverModes,
			help: "SMTP server port",
			def:  constDef("587"), explain: "want a port number 1-65535",
			apply: func(c *Config, v string) error {
				p, err := strconv.Atoi(v)
				if err != nil || p < 1 || p > 65535 {
					return errors.New("bad port")
				}
				c.SMTPPort = p
				return nil
			}},
		{name: "smtp-tls", env: "MIETWERK_SMTP_TLS", modes: serverModes,
			help: "SMTP encryption: starttls (required), opportunistic, tls (implicit, port 465) or none",
			def:  constDef("starttls"), explain: "want starttls, opportunistic, tls or none",
			apply: func(c *Config, v string) error {
				switch v {
				case "starttls", "opportunistic", "tls", "none":
					c.SMTPTLS = v
					return nil
				}
				return errors.New("unknown mode")
			}},
		{name: "smtp-username", env: "MIETWERK_SMTP_USERNAME", modes: serverModes,
			help: "SMTP user name (empty: no authentication)",
			def:  constDef(""), explain: "want a user name",
			apply: func(c *Config, v string) error { c.SMTPUsername = v; return nil }},
		{name: "smtp-password", env: "MIETWERK_SMTP_PASSWORD", modes: serverModes, secret: true,
			help: "SMTP password (prefer MIETWERK_SMTP_PASSWORD_FILE)",
			def:  constDef(""), explain: "want the password",
			apply: func(c *Config, v string) error { c.SMTPPassword = v; return nil }},
		{name: "mail-max-attempts", env: "MIETWERK_MAIL_MAX_ATTEMPTS", modes: serverModes,
			help: "delivery attempts per e-mail before the outbox gives up and flags it for resending in the admin UI",
			def:  constDef("8"), explain: "want a whole number from 1 to 100",
			apply: func(c *Config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > 100 {
					return errors.New("out of range")
				}
				c.MailMaxAttempts = n
				return nil
			}},
		{name: "mail-retry-delay", env: "MIETWERK_MAIL_RETRY_DELAY", modes: serverModes,
			help: "wait after an e-mail's first failed attempt; doubles after each further failure, at most 1h",
			def:  constDef("30s"), explain: "want a positive duration such as 30s or 2m",
			apply: durationInto(func(c *Config) *time.Duration { return &c.MailRetryDelay })},
		{name: "api-cors-origins", env: "MIETWERK_API_CORS_ORIGINS", modes: serverModes,
			help: "comma-separated origins (https://www.autohaus.de) whose web pages may call the booking API from the browser; * allows any",
			def:  constDef(""), defDoc: "none", explain: "want comma-separated origins such as https://www.autohaus.de,https://autohaus.de, or *",
			apply: func(c *Config, v string) error {
				origins, err := parseOrigins(v)
				c.APICORSOrigins = strings.Join(origins, ",")
				return err
			}},
		{name: "backup-dir", env: "MIETWERK_BACKUP_DIR", modes: serverModes,
			help: "folder for automatic daily backups of the SQLite database and the photo folder (another disk; empty: off); also the default of backup --out",
			def:  constDef(""), defDoc: "off", explain: "want a directory path",
			apply: func(c *Config, v string) error {
				if v != "" {
					c.BackupDir = filepath.Clean(v)
				}
				return nil
			}},
		{name: "backup-keep", env: "MIETWERK_BACKUP_KEEP", modes: serverModes,
			help: "how many automatic backups --backup-dir keeps; older ones are deleted",
			def:  constDef("14"), explain: "want a whole number from 1 to 10000",
			apply: func(c *Config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > 10000 {
					return errors.New("out of range")
				}
				c.BackupKeep = n
				return nil
			}},
		{name: "trusted-proxies", env: "MIETWERK_TRUSTED_PROXIES", modes: serverModes,
			help: "comma-separated CIDRs of the reverse proxies in front of the server (10.0.0.0/8,127.0.0.1); only from them X-Forwarded-For/Forwarded names the client and X-Forwarded-Proto says HTTPS",
			def:  constDef(""), defDoc: "none", explain: "want comma-separated CIDRs or addresses such as 10.0.0.0/8,192.168.1.10",
			apply: func(c *Config, v string) error {
				if _, err := httpx.ParseProxies(v); err != nil {
					return err
				}
				c.TrustedProxies = v
				return nil
			}},
		{name: "metrics-addr", env: "MIETWERK_METRICS_ADDR", modes: serverModes,
			help: "serve /metrics on this address only (e.g. 127.0.0.1:9100 or an internal interface), not on --addr",
			def:  constDef(""), defDoc: "/metrics on --addr", explain: "want host:port such as 127.0.0.1:9100",
			apply: func(c *Config, v string) error {
				if v == "" {
					return nil
				}
				if _, _, err := net.SplitHostPort(v); err != nil {
					return err
				}
				c.MetricsAddr = v
				return nil
			}},
		{name: "webhook-allow-private", env: "MIETWERK_WEBHOOK_ALLOW_PRIVATE", modes: serverModes, isBool: true,
			help: "let webhook endpoints use loopback, private and link-local addresses and plain http (development and tests only: it opens the internal network to whoever may add an endpoint)",
			def: func(m mode) string {
				if m == modeDemo {
					return "true"
				}
				return "false"
			},
			defDoc: "false (demo: true)", explain: "want true or false",
			apply: func(c *Config, v string) (err error) {
				c.WebhookAllowPrivate, err = strconv.ParseBool(v)
				return err
			}},
		{name: "webhook-timeout", env: "MIETWERK_WEBHOOK_TIMEOUT", modes: serverModes,
			help: "how long one webhook delivery attempt may take, connection to answer",
			def:  constDef("15s"), explain: "want a duration from 1s to 1m such as 15s",
			apply: func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d < time.Second || d > time.Minute {
					return errors.New("out of range")
				}
				c.WebhookTimeout = d
				return nil
			}},
		{name: "webhook-retry-schedule", env: "MIETWERK_WEBHOOK_RETRY_SCHEDULE", modes: serverModes,
			help: "waits before each webhook delivery attempt, comma-separated, the first attempt's first (default: the Standard Webhooks example, 31 h 35 min in all); shorter ones for tests",
			def:  constDef(webhook.FormatSchedule(webhook.Schedule)), explain: "want comma-separated durations such as 0,5s,5m,30m,2h,5h,10h,14h",
			apply: func(c *Config, v string) error {
				if _, err := webhook.ParseSchedule(v); err != nil {
					return err
				}
				c.WebhookSchedule = v
				return nil
			}},
		{name: "secret-key", env: "MIETWERK_SECRET_KEY", modes: []mode{modeServe, modeDemo, modeSecrets}, secret: true,
			help:    "key that encrypts the stored secrets (the tenants' Telecash API secrets): 32 random bytes in base64, e.g. from mietwerk secrets generate-key; give it as a file (--secret-key-file or MIETWERK_SECRET_KEY_FILE), back it up apart from the database",
			def:     constDef(""),
			defDoc:  "none (demo: <data-dir>/secret.key, created on the first start)",
			explain: "want 32 random bytes in base64 (44 characters), e.g. from mietwerk secrets generate-key",
			apply: func(c *Config, v string) error {
				if v == "" {
					return nil
				}
				if _, err := secrets.ParseKey(v); err != nil {
					return err
				}
				c.SecretKey = strings.TrimSpace(v)
				return nil
			}},
		{name: "secret-key-previous", env: "MIETWERK_SECRET_KEY_PREVIOUS", modes: []mode{modeServe, modeDemo, modeSecrets}, secret: true,
			help:    "keys being replaced (comma- or line-separated): they only decrypt, until mietwerk secrets rotate has re-encrypted every stored secret with --secret-key",
			def:     constDef(""),
			defDoc:  "none",
			explain: "want keys of 32 random bytes in base64, separated by commas or line breaks",
			apply: func(c *Config, v string) error {
				keys := secrets.SplitKeys(v)
				for i, k := range keys {
					if _, err := secrets.ParseKey(k); err != nil {
						return fmt.Errorf("key %d: %w", i+1, err)
					}
				}
				c.SecretKeyPrevious = strings.Join(keys, ",")
				return nil
			}},
		{name: "idempotency-lock", env: "MIETWERK_IDEMPOTENCY_LOCK", modes: serverModes,
			help: "how long an Idempotency-Key (and the booking it made) stays with a request that may still run; a retry after that resumes what a stopped process began; a billing run unchanged that long is continued by another process",
			def:  constDef("5m"), explain: "want a positive duration such as 5m",
			apply: durationInto(func(c *Config) *time.Duration { return &c.IdempotencyLock })},
		{name: "payment-late-window", env: "MIETWERK_PAYMENT_LATE_WINDOW", modes: serverModes,
			help: "how long after sending a payment the gateway may still apply it (late delivery); a payment the gateway does not know is failed only after it",
			def:  constDef("15m"), explain: "want a positive duration such as 15m (the gateway's 5-minute Timestamp window plus clock skew)",
			apply: durationInto(func(c *Config) *time.Duration { return &c.PaymentLateWindow })},
		{name: "recovery-interval", env: "MIETWERK_RECOVERY_INTERVAL", modes: serverModes,
			help: "how often each process resumes work left by a stopped process or a gateway fault (payment inquiries, pending bookings, cancellations, billing)",
			def:  constDef("15s"), explain: "want a positive duration such as 15s",
			apply: durationInto(func(c *Config) *time.Duration { return &c.RecoveryInterval })},
		{name: "telecash-sim-addr", env: "MIETWERK_TELECASH_SIM_ADDR", modes: serverModes,
			help: "listen address of the built-in Telecash simulator, started when a tenant in simulator mode has no simulator URL of its own (tenant set-simulator)",
			def:  constDef("127.0.0.1:0"), explain: "want host:port such as 127.0.0.1:9090",
			apply: func(c *Config, v string) error {
				if _, _, err := net.SplitHostPort(v); err != nil {
					return err
				}
				c.SimAddr = v
				return nil
			}},
	}
}

// parseOrigins splits a comma-separated list of origins: each is "*" or
// scheme://host[:port] with scheme http or https and nothing after the host.
func parseOrigins(v string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		if o != "*" {
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" ||
				u.Fragment != "" || u.User != nil {
				return nil, fmt.Errorf("%q is not an origin", o)
			}
			o = u.Scheme + "://" + strings.ToLower(u.Host)
		}
		out = append(out, o)
	}
	return out, nil
}

func durationInto(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return err
		}
		if d <= 0 {
			return errors.New("not positive")
		}
		*field(c) = d
		return nil
	}
}

// checkDatabaseURL accepts what store.Open understands: a PostgreSQL URL or
// keyword/value string, or a SQLite file path (optionally "sqlite:"/"file:").
func checkDatabaseURL(v string) error {
	switch {
	case v == "":
		return nil // the default SQLite file
	case strings.HasPrefix(v, "postgres://"), strings.HasPrefix(v, "postgresql://"):
		u, err := url.Parse(v)
		if err != nil {
			return errors.New("not a valid URL")
		}
		if u.Host == "" && u.Query().Get("host") == "" {
			return errors.New("no host")
		}
		return nil
	case strings.HasPrefix(v, "host="):
		return nil
	case strings.Contains(v, "://"):
		scheme, _, _ := strings.Cut(v, "://")
		return fmt.Errorf("unsupported database %q", scheme)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(v, "sqlite:"), "file:")
	if strings.TrimSpace(path) == "" {
		return errors.New("empty SQLite path")
	}
	return nil
}

// ConfigError is an invalid setting. Its message is the one line printed
// before exiting with status 2; it names the flag and the variable.
type ConfigError struct {
	Option string // flag name without dashes
	Env    string
	Value  string // "" for secrets
	Reason string
}

func (e *ConfigError) Error() string {
	val := ""
	if e.Value != "" {
		val = fmt.Sprintf(" %q", e.Value)
	}
	return fmt.Sprintf("invalid --%s%s (env %s): %s", e.Option, val, e.Env, e.Reason)
}

// optValue is the flag.Value of one option: it remembers whether the flag
// was given, so that precedence flag > env > default can be applied later.
type optValue struct {
	val    string
	set    bool
	isBool bool
}

func (v *optValue) String() string     { return v.val }
func (v *optValue) Set(s string) error { v.val, v.set = s, true; return nil }
func (v *optValue) IsBoolFlag() bool   { return v.isBool }

// configFlags registers the options of mode m on fs and returns a function
// that, after fs.Parse, resolves them with getenv into a Config.
func configFlags(fs *flag.FlagSet, m mode) func(getenv func(string) string) (Config, error) {
	opts := options()
	vals, files := map[string]*optValue{}, map[string]*optValue{}
	for _, o := range opts {
		if !o.has(m) {
			continue
		}
		v := &optValue{isBool: o.isBool}
		vals[o.name] = v
		fs.Var(v, o.name, o.help)
		if o.secret {
			// a secret is better given as a file: it stays out of the process list
			f := &optValue{}
			files[o.name] = f
			fs.Var(f, o.name+"-file", "file holding --"+o.name)
		}
	}
	return func(getenv func(string) string) (Config, error) {
		var c Config
		for _, o := range opts {
			if !o.has(m) {
				continue
			}
			raw, source, err := resolve(o, vals[o.name], files[o.name], getenv, m)
			if err != nil {
				return Config{}, err
			}
			if err := o.apply(&c, raw); err != nil {
				ce := &ConfigError{Option: o.name, Env: o.env, Value: raw, Reason: o.explain}
				if o.secret {
					ce.Value = ""
					ce.Reason = err.Error() + "; " + o.explain
				}
				if source == "default" {
					ce.Reason += " (this is the built-in default)"
				}
				return Config{}, ce
			}
		}
		if m == modeDemo && !vals["public-url"].set && getenv("MIETWERK_PUBLIC_URL") == "" {
			c.PublicURLFromAddr = true
		}
		if c.DatabaseURL == "" && c.DataDir != "" {
			c.DatabaseURL = filepath.Join(c.DataDir, "mietwerk.db")
		}
		if c.BackupDir != "" && m != modeBackup {
			if err := store.BackupUnsupported(c.DatabaseURL); err != nil {
				return Config{}, &ConfigError{Option: "backup-dir", Env: "MIETWERK_BACKUP_DIR", Value: c.BackupDir,
					Reason: "automatic backups are for the embedded SQLite database; back up PostgreSQL with pg_dump or your provider's backups (point-in-time recovery)"}
			}
		}
		if c.SecretKeyPrevious != "" && c.SecretKey == "" {
			return Config{}, &ConfigError{Option: "secret-key-previous", Env: "MIETWERK_SECRET_KEY_PREVIOUS",
				Reason: "previous keys only decrypt: give the new key as --secret-key-file (MIETWERK_SECRET_KEY_FILE) too"}
		}
		if m != modeAdmin && c.SessionIdleTimeout > c.SessionAbsoluteTimeout {
			return Config{}, &ConfigError{Option: "session-idle-timeout", Env: "MIETWERK_SESSION_IDLE_TIMEOUT",
				Value: c.SessionIdleTimeout.String(), Reason: "must not be longer than --session-absolute-timeout " + c.SessionAbsoluteTimeout.String()}
		}
		return c, nil
	}
}

// resolve picks an option's raw value: the flag when given, else (for
// secrets) the file named by --<name>-file, else the environment variable,
// else (for secrets) the file named by <env>_FILE, else the default. It
// returns where the value came from.
func resolve(o option, v, fileFlag *optValue, getenv func(string) string, m mode) (string, string, error) {
	if fileFlag != nil && fileFlag.set {
		if v.set {
			return "", "", &ConfigError{Option: o.name, Env: o.env, Reason: "give only one of --" + o.name + " and --" + o.name + "-file"}
		}
		b, err := os.ReadFile(fileFlag.val)
		if err != nil {
			return "", "", &ConfigError{Option: o.name + "-file", Env: o.env + "_FILE", Reason: "cannot read the file: " + err.Error()}
		}
		return strings.TrimRight(string(b), "\r\n"), "file", nil
	}
	if v.set {
		return v.val, "flag", nil
	}
	env := getenv(o.env)
	if o.secret {
		file := getenv(o.env + "_FILE")
		if env != "" && file != "" {
			return "", "", &ConfigError{Option: o.name, Env: o.env, Reason: "set only one of " + o.env + " and " + o.env + "_FILE"}
		}
		if file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				return "", "", &ConfigError{Option: o.name, Env: o.env + "_FILE", Reason: "cannot read the file: " + err.Error()}
			}
			return strings.TrimRight(string(b), "\r\n"), "file", nil
		}
	}
	if env != "" {
		return env, "env", nil
	}
	return o.def(m), "default", nil
}

// usage writes the help of a command: its synopsis, its own flags and every
// configuration option with its environment variable and default.
func usage(w io.Writer, synopsis string, fs *flag.FlagSet, m mode, own []string) {
	fmt.Fprintf(w, "Usage: %s\n", synopsis)
	if len(own) > 0 {
		fmt.Fprintln(w, "\nOptions:")
		for _, name := range own {
			f := fs.Lookup(name)
			def := ""
			if f.DefValue != "" {
				def = fmt.Sprintf(" (default %q)", f.DefValue)
			}
			fmt.Fprintf(w, "  --%-26s %s%s\n", f.Name, f.Usage, def)
		}
	}
	fmt.Fprintln(w, "\nConfiguration (flag, environment variable, default; a flag beats the variable):")
	for _, o := range options() {
		if !o.has(m) {
			continue
		}
		def := o.defDoc
		if def == "" {
			def = strconv.Quote(o.def(m))
		}
		env := o.env
		if o.secret {
			env += " or " + o.env + "_FILE (or --" + o.name + "-file)"
		}
		fmt.Fprintf(w, "  --%-26s %s\n  %-28s env %s; default %s\n", o.name, o.help, "", env, def)
	}
}
