package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/identity"
)

const apikeyHelp = `Usage: mietwerk apikey <subcommand> --tenant SLUG [options]

Subcommands:
  create   create an API key (--name, --scope public|secret|staff); the key is printed once:
             public  for browsers (the website's booking form): stations, categories,
                     availability, booking; a booking is read, changed or cancelled
                     only with its booking secret, which only its creator receives
             secret  for the dealership's own server, never in a browser: every
                     booking operation
             staff   for tablet apps: handover and return (damage charges up to
                     the limit in the tenant's settings)
           --test makes a test-mode key ("mwk_test_<scope>_…"): its bookings
           are test bookings, paid through the simulator only, with TEST-
           invoice numbers, kept out of the journal and the reports
  list     list the tenant's API keys (prefix only; keys are stored hashed)
  revoke   revoke a key by --id; requests with it are refused from then on

Run "mietwerk apikey <subcommand> --help" for the options.
`

func cmdAPIKey(ctx context.Context, c *cli, args []string) int {
	return subcommand(ctx, c, "apikey", args, apikeyHelp, map[string]func(context.Context, *cli, []string) int{
		"create": apikeyCreate,
		"list":   apikeyList,
		"revoke": apikeyRevoke,
	})
}

func apikeyCreate(ctx context.Context, c *cli, args []string) int {
	a := newAdminCmd(c, "apikey create")
	name := a.string("name", "", "what the key is for, e.g. the website")
	scope := a.string("scope", "", "public (browsers), secret (the dealer's server) or staff (tablet apps)")
	rate := a.int("rate-per-minute", 120, "requests per minute allowed with this key")
	test := a.bool("test", "a test-mode key: test bookings, simulator payments only")
	ctx, st, status, ok := a.open(ctx, args, "mietwerk apikey create --tenant SLUG --name NAME --scope public|secret|staff [--test] [options]")
	if !ok {
		return status
	}
	defer st.Close()
	if status, ok := a.require(map[string]string{"name": *name, "scope": *scope}); !ok {
		return status
	}
	sc, err := identity.ParseScope("scope", *scope)
	if err != nil {
		return a.fail(err)
	}
	if *rate <= 0 {
		return configError(c, a.name, fmt.Errorf("invalid --rate-per-minute %d: want a positive number", *rate))
	}
	client, key, err := identityService(st).CreateKey(ctx, *name, sc, *test, *rate)
	if err != nil {
		return a.fail(err)
	}
	mode := ""
	if client.Test {
		mode = "test "
	}
	fmt.Fprintf(c.stderr, "created %s%s API key %d %q for %s; it is shown only now, store it safely:\n", mode, client.Scope, client.ID, client.Name, *a.tenant)
	fmt.Fprintln(c.stdout, key)
	return exitOK
}

func apikeyList(ctx context.Context, c *cli, args []string) int {
	a := newAdminCmd(c, "apikey list")
	ctx, st, status, ok := a.open(ctx, args, "mietwerk apikey list --tenant SLUG [options]")
	if !ok {
		return status
	}
	defer st.Close()
	clients, err := st.ListAPIClients(ctx)
	if err != nil {
		return a.fail(err)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSCOPE\tMODE\tPREFIX\tNAME\tRATE/MIN\tCREATED (UTC)\tLAST USED\tREVOKED")
	for _, k := range clients {
		created := k.CreatedAt
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%d\t%s\t%s\t%s\n", k.ID, k.Scope, modeName(k.Test), k.Prefix, k.Name, k.RatePerMinute, fmtTime(&created), fmtTime(k.LastUsedAt), fmtTime(k.RevokedAt))
	}
	tw.Flush()
	return exitOK
}

// modeName names a key's mode in the command's output.
func modeName(test bool) string {
	if test {
		return "test"
	}
	return "live"
}

func apikeyRevoke(ctx context.Context, c *cli, args []string) int {
	return byID(ctx, c, args, "apikey revoke", "key", "apikey list", func(ctx context.Context, st *store.Store, id int64) error {
		return st.RevokeAPIClient(ctx, id)
	}, "API key %d revoked")
}
