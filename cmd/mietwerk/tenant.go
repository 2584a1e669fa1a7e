package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"text/tabwriter"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/tenancy"
)

const tenantHelp = `Usage: mietwerk tenant <subcommand> [options]

Subcommands:
  create         create a tenant (a dealership group): --slug, --name, --legal-name
  list           list the tenants
  set-simulator  point a tenant in simulator mode at a Telecash simulator of its own process
                 (mietwerk telecash-sim) that several servers share: --tenant, --url ("" = built-in)

After "tenant create", add its first admin with "mietwerk user add --tenant SLUG --role admin …";
the admin completes the company data (address, VAT id, bank, invoice numbers, Telecash) under
Einstellungen in the admin web.
`

func cmdTenant(ctx context.Context, c *cli, args []string) int {
	return subcommand(ctx, c, "tenant", args, tenantHelp, map[string]func(context.Context, *cli, []string) int{
		"create":        tenantCreate,
		"list":          tenantList,
		"set-simulator": tenantSetSimulator,
	})
}

// openRoot parses the database options of a command that acts across
// tenants and opens the migrated store.
func openRoot(ctx context.Context, a *adminCmd, args []string, synopsis string) (context.Context, func(), int, bool) {
	a.own = a.own[1:] // no --tenant
	if st, ok := parseFlags(a.c, a.fs, args, func(w io.Writer) { usage(w, synopsis, a.fs, modeAdmin, a.own) }); !ok {
		return nil, nil, st, false
	}
	cfg, err := a.resolve(a.c.getenv)
	if err != nil {
		return nil, nil, configError(a.c, a.name, err), false
	}
	cfg.LogLevel = max(cfg.LogLevel, slog.LevelWarn)
	st, err := openStore(ctx, cfg, newLogger(cfg, a.c.stderr))
	if err != nil {
		return nil, nil, failed(a.c, a.name, err), false
	}
	a.st = st
	return identity.WithActor(ctx, identity.System()), func() { st.Close() }, exitOK, true
}

func tenantCreate(ctx context.Context, c *cli, args []string) int {
	a := newAdminCmd(c, "tenant create")
	slug := a.string("slug", "", "short name used by the commands, e.g. autohaus-koenig")
	name := a.string("name", "", "the company's short name, e.g. Autohaus König")
	legal := a.string("legal-name", "", "the legal name as on invoices, e.g. Autohaus König GmbH & Co. KG")
	ctx, done, status, ok := openRoot(ctx, a, args, "mietwerk tenant create --slug SLUG --name NAME --legal-name LEGAL [options]")
	if !ok {
		return status
	}
	defer done()
	if status, ok := a.require(map[string]string{"slug": *slug, "name": *name, "legal-name": *legal}); !ok {
		return status
	}
	s := strings.ToLower(strings.TrimSpace(*slug))
	if !slugRE.MatchString(s) {
		return configError(c, a.name, fmt.Errorf("invalid --slug %q: use 2–40 lower-case letters, digits and '-', e.g. autohaus-koenig", *slug))
	}
	t := tenancy.Tenant{Slug: s, Name: strings.TrimSpace(*name), LegalName: strings.TrimSpace(*legal)}
	if err := a.st.CreateTenant(ctx, &t); err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(c.stdout, "tenant %q created (id %d); next: mietwerk user add --tenant %s --role admin --email … --name …\n", t.Slug, t.ID, t.Slug)
	return exitOK
}

func tenantList(ctx context.Context, c *cli, args []string) int {
	a := newAdminCmd(c, "tenant list")
	ctx, done, status, ok := openRoot(ctx, a, args, "mietwerk tenant list [options]")
	if !ok {
		return status
	}
	defer done()
	ts, err := a.st.ListTenants(ctx)
	if err != nil {
		return a.fail(err)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSLUG\tNAME\tLEGAL NAME\tGATEWAY")
	for _, t := range ts {
		gw := t.Gateway.Mode
		if gw == "simulator" && t.Gateway.SimulatorURL != "" {
			gw += " " + t.Gateway.SimulatorURL
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Slug, t.Name, t.LegalName, gw)
	}
	tw.Flush()
	return exitOK
}

// tenantSetSimulator sets a tenant's simulator URL: the servers send its
// payments (in simulator mode) to that simulator process instead of each
// to its built-in one. A URL with no path gets the gateway path.
func tenantSetSimulator(ctx context.Context, c *cli, args []string) int {
	a := newAdminCmd(c, "tenant set-simulator")
	u := a.string("url", "", "the simulator's base URL as mietwerk telecash-sim prints it, e.g. http://127.0.0.1:9090"+
		telecashsim.Prefix+"; \"\" for the built-in simulator of each server")
	const synopsis = "mietwerk tenant set-simulator --tenant SLUG --url URL [options]\n\n" +
		"Sends the tenant's payments in simulator mode to one simulator process (mietwerk telecash-sim) that every\n" +
		"server shares, so that all of them see the same payments; --url \"\" goes back to each server's built-in\n" +
		"simulator. Servers notice the change within seconds."
	tctx, st, status, ok := a.open(ctx, args, synopsis)
	if !ok {
		return status
	}
	defer st.Close()
	v := strings.TrimSpace(*u)
	if p, err := url.Parse(v); err == nil && v != "" && (p.Path == "" || p.Path == "/") {
		v = strings.TrimRight(v, "/") + telecashsim.Prefix
	}
	if err := st.SetGatewaySimulatorURL(tctx, v); err != nil {
		if e, ok := errs.As(err); ok && e.Kind == errs.KindInvalid {
			return configError(c, a.name, fmt.Errorf("invalid --url %q: %s", *u, locale.English.T(tenancy.SimulatorURLInvalid)))
		}
		return a.fail(err)
	}
	t, err := st.Tenant(tctx)
	if err != nil {
		return a.fail(err)
	}
	switch {
	case v == "":
		fmt.Fprintf(c.stdout, "tenant %q: payments in simulator mode go to the built-in simulator of each server\n", t.Slug)
	default:
		fmt.Fprintf(c.stdout, "tenant %q: payments in simulator mode go to %s\n", t.Slug, v)
	}
	if t.Gateway.Mode != "simulator" {
		fmt.Fprintf(c.stdout, "note: the tenant's gateway mode is %s; the simulator is used only in simulator mode (Einstellungen → Telecash)\n", t.Gateway.Mode)
	}
	return exitOK
}
