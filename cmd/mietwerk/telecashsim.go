package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
)

// simOption is one setting of `mietwerk telecash-sim`: a flag, its
// environment variable (with <env>_FILE for the secret) and its default.
type simOption struct {
	name, env, def, help string
	secret               bool
}

var simOptions = []simOption{
	{name: "addr", env: "MIETWERK_SIM_ADDR", def: "127.0.0.1:9090",
		help: "address to listen on (host:port with a fixed port; the gateway URL is http://<addr>" + telecashsim.Prefix + ")"},
	{name: "api-key", env: "MIETWERK_SIM_API_KEY", def: telecashsim.DefaultAPIKey,
		help: "the Api-Key clients must send"},
	{name: "api-secret", env: "MIETWERK_SIM_API_SECRET", def: telecashsim.DefaultAPISecret, secret: true,
		help: "the shared secret of the Message-Signature (prefer MIETWERK_SIM_API_SECRET_FILE)"},
	{name: "store-id", env: "MIETWERK_SIM_STORE_ID", def: telecashsim.DefaultStoreID,
		help: "the storeId clients must use (another one is answered 403)"},
	{name: "state-file", env: "MIETWERK_SIM_STATE_FILE", def: "",
		help: "file that keeps transactions, orders and tokens across restarts (read at start, written a second after each change and at shutdown); empty: memory only"},
}

const simSynopsis = `mietwerk telecash-sim [options]

Runs the Telecash / Fiserv IPG gateway simulator on its own port until
SIGINT or SIGTERM, for development and tests against a real HTTP endpoint.
Point a tenant at it with "mietwerk tenant set-simulator --tenant SLUG --url
URL" (the printed URL), so that every server sends that tenant's payments
here and all of them see one gateway; start it with the key, secret and
store id the tenant has (or the defaults). Magic cards and amounts (declines,
3-D Secure, server errors, timeouts) and the fault plan (PUT /sim/faults) are
described in the README, section "Telecash simulator".`

// cmdTelecashSim runs the gateway simulator (telecashsim.Run) until a
// signal arrives. A flag beats the environment variable, which beats the
// default; an invalid value exits with status 2 naming the option.
func cmdTelecashSim(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("telecash-sim", flag.ContinueOnError)
	vals := map[string]*optValue{}
	for _, o := range simOptions {
		v := &optValue{}
		vals[o.name] = v
		fs.Var(v, o.name, o.help)
	}
	if st, ok := parseFlags(c, fs, args, simUsage); !ok {
		return st
	}
	got := map[string]string{}
	for _, o := range simOptions {
		v, err := resolveSimOption(o, vals[o.name], c.getenv)
		if err != nil {
			return configError(c, "telecash-sim", err)
		}
		got[o.name] = v
	}
	if err := checkSimAddr(got["addr"]); err != nil {
		return configError(c, "telecash-sim", &ConfigError{Option: "addr", Env: "MIETWERK_SIM_ADDR", Value: got["addr"],
			Reason: err.Error() + "; want host:port with a fixed port such as 127.0.0.1:9090"})
	}
	for _, name := range []string{"api-key", "api-secret", "store-id"} {
		if strings.TrimSpace(got[name]) == "" {
			return configError(c, "telecash-sim", &ConfigError{Option: name, Env: simEnv(name), Reason: "must not be empty"})
		}
	}
	log := slog.New(slog.NewJSONHandler(c.stderr, nil))
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("telecash simulator listening", "addr", got["addr"], "url", "http://"+got["addr"]+telecashsim.Prefix,
		"store_id", got["store-id"], "pid", os.Getpid())
	err := telecashsim.Run(ctx, got["addr"], telecashsim.Options{
		APIKey: got["api-key"], APISecret: got["api-secret"], StoreID: got["store-id"], Logger: log, StateFile: got["state-file"],
	})
	if err != nil {
		return failed(c, "telecash-sim", err)
	}
	log.Info("stopped")
	return exitOK
}

func simEnv(name string) string {
	for _, o := range simOptions {
		if o.name == name {
			return o.env
		}
	}
	return ""
}

// resolveSimOption picks the flag, else the variable, else (for the secret)
// the file named by <env>_FILE, else the default.
func resolveSimOption(o simOption, v *optValue, getenv func(string) string) (string, error) {
	if v.set {
		return v.val, nil
	}
	env := getenv(o.env)
	if o.secret {
		file := getenv(o.env + "_FILE")
		if env != "" && file != "" {
			return "", &ConfigError{Option: o.name, Env: o.env, Reason: "set only one of " + o.env + " and " + o.env + "_FILE"}
		}
		if file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				return "", &ConfigError{Option: o.name, Env: o.env + "_FILE", Reason: "cannot read the file: " + err.Error()}
			}
			return strings.TrimRight(string(b), "\r\n"), nil
		}
	}
	if env != "" {
		return env, nil
	}
	return o.def, nil
}

// checkSimAddr wants host:port with a port in 1..65535: clients must be
// configured with the URL, so a random port (0) is refused.
func checkSimAddr(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return errors.New("not host:port")
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return errors.New("bad port")
	}
	return nil
}

func simUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n\nOptions (flag, environment variable, default; a flag beats the variable):\n", simSynopsis)
	for _, o := range simOptions {
		env := o.env
		if o.secret {
			env += " or " + o.env + "_FILE"
		}
		fmt.Fprintf(w, "  --%-12s %s\n  %-14s env %s; default %q\n", o.name, o.help, "", env, o.def)
	}
}
