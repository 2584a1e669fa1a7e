package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
)

const apikeyHelp = `Usage: mietwerk apikey <subcommand> --tenant SLUG [options]

Subcommands:
  create   create an API key for the tenant's website (--name); the key is printed once
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
	rate := a.int("rate-per-minute", 120, "requests per minute allowed with this key")
	ctx, st, status, ok := a.open(ctx, args, "mietwerk apikey create --tenant SLUG --name NAME [options]")
	if !ok {
		return status
	}
	defer st.Close()
	if status, ok := a.require(map[string]string{"name": *name}); !ok {
		return status
	}
	if *rate <= 0 {
		return configError(c, a.name, fmt.Errorf("invalid --rate-per-minute %d: want a positive number", *rate))
	}
	client, key, err := identityService(st).CreateAPIKey(ctx, *name, *rate)
	if err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(c.stderr, "created API key %d %q for %s; it is shown only now, store it safely:\n", client.ID, client.Name, *a.tenant)
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
	fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tRATE/MIN\tCREATED (UTC)\tLAST USED\tREVOKED")
	for _, k := range clients {
		created := k.CreatedAt
		fmt.Fprintf(tw, "%d\t%s…\t%s\t%d\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Name, k.RatePerMinute, fmtTime(&created), fmtTime(k.LastUsedAt), fmtTime(k.RevokedAt))
	}
	tw.Flush()
	return exitOK
}

func apikeyRevoke(ctx context.Context, c *cli, args []string) int {
	a := newAdminCmd(c, "apikey revoke")
	id := a.string("id", "", "id of the key (see apikey list)")
	ctx, st, status, ok := a.open(ctx, args, "mietwerk apikey revoke --tenant SLUG --id ID")
	if !ok {
		return status
	}
	defer st.Close()
	if status, ok := a.require(map[string]string{"id": *id}); !ok {
		return status
	}
	n, err := strconv.ParseInt(*id, 10, 64)
	if err != nil || n <= 0 {
		return configError(c, a.name, fmt.Errorf("invalid --id %q: want the number shown by apikey list", *id))
	}
	if err := st.RevokeAPIClient(ctx, n); err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(c.stdout, "API key %d revoked\n", n)
	return exitOK
}
