package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
)

// envOf returns a getenv over m.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func parseConfig(t *testing.T, m mode, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	resolve := configFlags(fs, m)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	return resolve(envOf(env))
}

func TestConfigDefaults(t *testing.T) {
	serve, err := parseConfig(t, modeServe, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: ":8080", DataDir: "mietwerk-data", DatabaseURL: filepath.Join("mietwerk-data", "mietwerk.db"),
		LogLevel: slog.LevelInfo, LogFormat: "json", SecureCookies: true, ShutdownTimeout: 20 * time.Second,
		SessionIdleTimeout: 30 * time.Minute, SessionAbsoluteTimeout: 12 * time.Hour,
		MailTransport: "smtp", MailFrom: "noreply@mietwerk.local", SMTPPort: 587, SMTPTLS: "starttls", SimAddr: "127.0.0.1:0",
		MailMaxAttempts: 8, MailRetryDelay: 30 * time.Second, BackupKeep: 14,
		WebhookTimeout: 15 * time.Second, WebhookSchedule: "0s,5s,5m0s,30m0s,2h0m0s,5h0m0s,10h0m0s,14h0m0s",
		IdempotencyLock: 5 * time.Minute, PaymentLateWindow: 15 * time.Minute, RecoveryInterval: 15 * time.Second,
		DBMaxConns: store.DefaultMaxOpenConns}
	if serve != want {
		t.Errorf("serve defaults\n got %+v\nwant %+v", serve, want)
	}
	demo, err := parseConfig(t, modeDemo, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if demo.Addr != "localhost:8080" || demo.SecureCookies || demo.MailTransport != "keep" || demo.PublicURL != "http://localhost:8080" ||
		!demo.WebhookAllowPrivate {
		t.Errorf("demo defaults: addr %q secure %v mail %q url %q, want localhost:8080, false, keep, http://localhost:8080",
			demo.Addr, demo.SecureCookies, demo.MailTransport, demo.PublicURL)
	}
}

// keys for the configuration tests
const (
	testKeyText  = "3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	otherKeyText = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)

func TestConfigPrecedence(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "db-url")
	if err := os.WriteFile(secret, []byte("postgres://u:p@db.example/mw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "secret.key")
	if err := os.WriteFile(keyFile, []byte(testKeyText+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want func(Config) bool
	}{
		{"env over default", nil, map[string]string{"MIETWERK_ADDR": "127.0.0.1:9000"},
			func(c Config) bool { return c.Addr == "127.0.0.1:9000" }},
		{"flag over env", []string{"--addr", ":7000"}, map[string]string{"MIETWERK_ADDR": "127.0.0.1:9000"},
			func(c Config) bool { return c.Addr == ":7000" }},
		{"data dir sets the SQLite file", []string{"--data-dir", "/srv/mw"}, nil,
			func(c Config) bool { return c.DatabaseURL == "/srv/mw/mietwerk.db" }},
		{"secret from _FILE", nil, map[string]string{"MIETWERK_DATABASE_URL_FILE": secret},
			func(c Config) bool { return c.DatabaseURL == "postgres://u:p@db.example/mw" }},
		{"flag over _FILE", []string{"--database-url", "/tmp/x.db"}, map[string]string{"MIETWERK_DATABASE_URL_FILE": secret},
			func(c Config) bool { return c.DatabaseURL == "/tmp/x.db" }},
		{"secret key from --secret-key-file", []string{"--secret-key-file", keyFile}, nil,
			func(c Config) bool { return c.SecretKey == testKeyText }},
		{"secret key from _FILE", nil, map[string]string{"MIETWERK_SECRET_KEY_FILE": keyFile},
			func(c Config) bool { return c.SecretKey == testKeyText }},
		{"--secret-key-file over env", []string{"--secret-key-file", keyFile}, map[string]string{"MIETWERK_SECRET_KEY": otherKeyText},
			func(c Config) bool { return c.SecretKey == testKeyText }},
		{"previous keys, one a line", nil, map[string]string{"MIETWERK_SECRET_KEY": testKeyText, "MIETWERK_SECRET_KEY_PREVIOUS": " " + otherKeyText + "\n" + testKeyText + "\n"},
			func(c Config) bool { return c.SecretKeyPrevious == otherKeyText+","+testKeyText }},
		{"database URL from --database-url-file", []string{"--database-url-file", secret}, nil,
			func(c Config) bool { return c.DatabaseURL == "postgres://u:p@db.example/mw" }},
		{"libpq keywords", nil, map[string]string{"MIETWERK_DATABASE_URL": "host=/tmp user=postgres dbname=mw"},
			func(c Config) bool { return strings.HasPrefix(c.DatabaseURL, "host=") }},
		{"bool flag alone", []string{"--secure-cookies=false"}, map[string]string{"MIETWERK_SECURE_COOKIES": "true"},
			func(c Config) bool { return !c.SecureCookies }},
		{"bool env", nil, map[string]string{"MIETWERK_SECURE_COOKIES": "0"},
			func(c Config) bool { return !c.SecureCookies }},
		{"durations and log", []string{"--shutdown-timeout", "3s", "--log-level", "debug", "--log-format", "text"}, nil,
			func(c Config) bool {
				return c.ShutdownTimeout == 3*time.Second && c.LogLevel == slog.LevelDebug && c.LogFormat == "text"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(t, modeServe, tt.args, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.want(c) {
				t.Errorf("config %+v", c)
			}
		})
	}
}

func TestConfigInvalid(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // the error line must contain each
		not  string   // and must not contain this (secrets)
	}{
		{"addr", []string{"--addr", "nonsense"}, nil, []string{"--addr", "MIETWERK_ADDR", `"nonsense"`}, ""},
		{"addr port", []string{"--addr", ":99999"}, nil, []string{"--addr"}, ""},
		{"addr from env", nil, map[string]string{"MIETWERK_ADDR": "x y"}, []string{"--addr", "MIETWERK_ADDR"}, ""},
		{"mysql", nil, map[string]string{"MIETWERK_DATABASE_URL": "mysql://root:hunter2@x/db"},
			[]string{"--database-url", "MIETWERK_DATABASE_URL", `"mysql"`}, "hunter2"},
		{"postgres without host", []string{"--database-url", "postgres:///db"}, nil, []string{"--database-url"}, ""},
		{"both secret sources", nil, map[string]string{"MIETWERK_DATABASE_URL": "/a.db", "MIETWERK_DATABASE_URL_FILE": "/b"},
			[]string{"--database-url", "set only one of MIETWERK_DATABASE_URL and MIETWERK_DATABASE_URL_FILE"}, ""},
		{"unreadable secret file", nil, map[string]string{"MIETWERK_DATABASE_URL_FILE": "/does/not/exist"},
			[]string{"--database-url", "MIETWERK_DATABASE_URL_FILE"}, ""},
		{"log level", []string{"--log-level", "loud"}, nil, []string{"--log-level", "debug, info, warn or error"}, ""},
		{"log format", nil, map[string]string{"MIETWERK_LOG_FORMAT": "xml"}, []string{"--log-format", "MIETWERK_LOG_FORMAT"}, ""},
		{"secure cookies", nil, map[string]string{"MIETWERK_SECURE_COOKIES": "maybe"}, []string{"--secure-cookies"}, ""},
		{"negative timeout", []string{"--shutdown-timeout", "-1s"}, nil, []string{"--shutdown-timeout"}, ""},
		{"idle longer than absolute", []string{"--session-idle-timeout", "13h"}, nil,
			[]string{"--session-idle-timeout", "--session-absolute-timeout"}, ""},
		{"empty data dir", []string{"--data-dir", " "}, nil, []string{"--data-dir"}, ""},
		{"short secret key", nil, map[string]string{"MIETWERK_SECRET_KEY": "c2hvcnQta2V5LXRvcC1zZWNyZXQ="},
			[]string{"--secret-key", "MIETWERK_SECRET_KEY", "20 bytes, not 32", "generate-key"}, "c2hvcnQta2V5LXRvcC1zZWNyZXQ="},
		{"secret key not base64", []string{"--secret-key", "hunter2 hunter2"}, nil, []string{"--secret-key", "not base64"}, "hunter2"},
		{"bad previous key", nil, map[string]string{"MIETWERK_SECRET_KEY": testKeyText, "MIETWERK_SECRET_KEY_PREVIOUS": otherKeyText + ",hunter2"},
			[]string{"--secret-key-previous", "key 2"}, "hunter2"},
		{"previous key alone", nil, map[string]string{"MIETWERK_SECRET_KEY_PREVIOUS": otherKeyText},
			[]string{"--secret-key-previous", "--secret-key-file"}, otherKeyText},
		{"secret key twice", []string{"--secret-key", testKeyText, "--secret-key-file", "/x"}, nil,
			[]string{"only one of --secret-key and --secret-key-file"}, testKeyText},
		{"unreadable key file", []string{"--secret-key-file", "/does/not/exist"}, nil,
			[]string{"--secret-key-file", "cannot read"}, ""},
		{"mail max attempts", []string{"--mail-max-attempts", "0"}, nil, []string{"--mail-max-attempts", "from 1 to 100"}, ""},
		{"mail retry delay", nil, map[string]string{"MIETWERK_MAIL_RETRY_DELAY": "soon"}, []string{"--mail-retry-delay", "MIETWERK_MAIL_RETRY_DELAY"}, ""},
		{"idempotency lock", []string{"--idempotency-lock", "0s"}, nil, []string{"--idempotency-lock", "positive duration"}, ""},
		{"late window", nil, map[string]string{"MIETWERK_PAYMENT_LATE_WINDOW": "later"}, []string{"--payment-late-window", "MIETWERK_PAYMENT_LATE_WINDOW"}, ""},
		{"recovery interval", []string{"--recovery-interval", "-5s"}, nil, []string{"--recovery-interval"}, ""},
		{"one connection", []string{"--db-max-conns", "1"}, nil, []string{"--db-max-conns", "from 2 to 500"}, ""},
		{"connections not a number", nil, map[string]string{"MIETWERK_DB_MAX_CONNS": "viele"}, []string{"--db-max-conns", "MIETWERK_DB_MAX_CONNS"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(t, modeServe, tt.args, tt.env)
			if err == nil {
				t.Fatal("want an error")
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") || (tt.not != "" && strings.Contains(msg, tt.not)) {
				t.Errorf("error %q: want one line without secrets", msg)
			}
		})
	}
}

// run's exit status and output for bad command lines, in process.
func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		status int
		stderr string
	}{
		{"no command", nil, nil, exitUsage, "Usage: mietwerk"},
		{"unknown command", []string{"frobnicate"}, nil, exitUsage, `unknown command "frobnicate"`},
		{"unknown flag", []string{"serve", "--bogus"}, nil, exitUsage, "flag provided but not defined: -bogus"},
		{"stray argument", []string{"migrate", "now"}, nil, exitUsage, `unexpected argument "now"`},
		{"bad addr", []string{"serve", "--addr", "nonsense"}, nil, exitUsage, "--addr"},
		{"bad database", []string{"demo"}, map[string]string{"MIETWERK_DATABASE_URL": "mysql://x"}, exitUsage, "--database-url"},
		{"password is no flag", []string{"user", "add", "--password", "secret123456"}, nil, exitUsage, "flag provided but not defined: -password"},
		{"unknown user subcommand", []string{"user", "remove"}, nil, exitUsage, `unknown subcommand "remove"`},
		{"missing tenant", []string{"apikey", "list", "--data-dir", "DATADIR"}, nil, exitUsage, "missing --tenant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for i, a := range tt.args {
				tt.args[i] = strings.ReplaceAll(a, "DATADIR", dir)
			}
			var stdout, stderr bytes.Buffer
			got := run(context.Background(), tt.args, &cli{getenv: envOf(tt.env), stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr})
			if got != tt.status {
				t.Errorf("status %d, want %d", got, tt.status)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tt.stderr)
			}
			if tt.args != nil && tt.name != "no command" && strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
				t.Errorf("stderr %q: want one line", stderr.String())
			}
		})
	}
}

func TestHelpListsEveryOption(t *testing.T) {
	for _, cmd := range []struct {
		name string
		m    mode
	}{{"serve", modeServe}, {"demo", modeDemo}, {"migrate", modeAdmin}} {
		var stdout bytes.Buffer
		if got := run(context.Background(), []string{cmd.name, "--help"}, &cli{getenv: envOf(nil), stdout: &stdout, stderr: io.Discard}); got != exitOK {
			t.Errorf("%s --help: status %d", cmd.name, got)
		}
		for _, o := range options() {
			if !o.has(cmd.m) {
				if strings.Contains(stdout.String(), "--"+o.name+" ") {
					t.Errorf("%s --help lists --%s, which it does not take", cmd.name, o.name)
				}
				continue
			}
			def := o.defDoc
			if def == "" {
				def = `"` + o.def(cmd.m) + `"`
			}
			for _, want := range []string{"--" + o.name, o.env, "default " + def} {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("%s --help lacks %q", cmd.name, want)
				}
			}
		}
	}
}

func TestBaseURL(t *testing.T) {
	tests := map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"[::]:8080":      "http://localhost:8080",
		"0.0.0.0:80":     "http://localhost:80",
		"[::1]:9":        "http://[::1]:9",
	}
	for in, want := range tests {
		if got := baseURL(in); got != want {
			t.Errorf("baseURL(%q) = %q, want %q", in, got, want)
		}
	}
}
