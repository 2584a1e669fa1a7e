package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/tenancy"
)

const tenantHelp = `Usage: mietwerk tenant <subcommand> [options]

Subcommands:
  create   create a tenant (a dealership group): --slug, --name, --legal-name
  list     list the tenants

After "tenant create", add its first admin with "mietwerk user add --tenant SLUG --role admin …";
the admin completes the company data (address, VAT id, bank, invoice numbers, Telecash) under
Einstellungen in the admin web.
`

func cmdTenant(ctx context.Context, c *cli, args []string) int {
	return subcommand(ctx, c, "tenant", args, tenantHelp, map[string]func(context.Context, *cli, []string) int{
		"create": tenantCreate,
		"list":   tenantList,
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
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Slug, t.Name, t.LegalName, t.Gateway.Mode)
	}
	tw.Flush()
	return exitOK
}
