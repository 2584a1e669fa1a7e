package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"time"

	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/identity"
)

func cmdDemo(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	resolve := configFlags(fs, modeDemo)
	if st, ok := parseFlags(c, fs, args, func(w io.Writer) {
		usage(w, "mietwerk demo [options]\n\nRuns the server with the demo tenant \"Autohaus König\" (3 stations, 30 vehicles, tariffs,\nan admin, one login per station, a public, a secret and a staff API key). The first start creates the data and\n<data-dir>/"+demo.CredentialsFile+"; later starts reuse both. Prints the logins and the key.", fs, modeDemo, nil)
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
	idsvc := identity.NewService(st, identity.Config{}, time.Now)
	creds, err := demo.Seed(ctx, st, idsvc, cfg.DataDir)
	if err != nil {
		return failed(c, "demo", err)
	}
	log.InfoContext(ctx, "demo data ready", "tenant", creds.Tenant, "duration_ms", time.Since(start).Milliseconds())
	credsPath := filepath.Join(cfg.DataDir, demo.CredentialsFile)
	cfg.DemoAPIKey = creds.APIKey // the example integration at /demo/booking works without pasting it
	err = serve(ctx, cfg, log, st, func(addr string) {
		printCredentials(c.stdout, creds, baseURL(addr), credsPath)
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

// printCredentials shows how to sign in to the running demo.
func printCredentials(w io.Writer, c demo.Credentials, url, path string) {
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
	fmt.Fprintf(w, "  Saved in:   %s\n\n", path)
}
