package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/webhookhttp"
	"mietwerk.dev/mietwerk/api"
	"mietwerk.dev/mietwerk/webhook"
)

// webhookPolicy is the URL policy of webhook endpoints: public https
// addresses (names are looked up), or anything with allowPrivate.
func webhookPolicy(allowPrivate bool) webhook.Policy {
	return webhook.Policy{AllowPrivate: allowPrivate, Resolve: func(ctx context.Context, host string) ([]netip.Addr, error) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	}}
}

// newWebhooks wires endpoint management and the dispatcher: payloads
// rendered by the API's views, delivered over HTTP, administrators told by
// e-mail when an endpoint is switched off. The store wakes the dispatcher
// after each commit that queued events.
func (s *services) newWebhooks() error {
	sched := webhook.Schedule
	if s.cfg.WebhookSchedule != "" {
		var err error
		if sched, err = webhook.ParseSchedule(s.cfg.WebhookSchedule); err != nil {
			return fmt.Errorf("invalid --webhook-retry-schedule: %w", err)
		}
	}
	host, _ := os.Hostname()
	s.webhooks = webhook.NewService(s.st, webhookPolicy(s.cfg.WebhookAllowPrivate))
	s.dispatcher = webhook.NewDispatcher(s.st, api.NewEventRenderer(api.Deps{Bookings: s.bookings, Contracts: s.contracts}),
		webhookhttp.New(webhookhttp.Config{AllowPrivate: s.cfg.WebhookAllowPrivate, Timeout: s.cfg.WebhookTimeout}),
		webhook.AdminNotifier{Users: s.st, Tenants: s.st, Mailer: mailtmpl.NewWebhookMailer(s.mails, s.cfg.MailFrom, s.cfg.PublicURL)},
		webhook.Config{Worker: fmt.Sprintf("%s:%d", host, os.Getpid()), Timeout: s.cfg.WebhookTimeout, Schedule: sched},
		time.Now, s.log.With("component", "webhooks"))
	s.st.SetEventHook(s.dispatcher.RenderNow)
	return nil
}

const webhookHelp = `Usage: mietwerk webhook <subcommand> --tenant SLUG [options]

Subcommands:
  add      add an endpoint (--url, --events, --description, --test); the signing
           secret (whsec_…) is printed once
  list     list the tenant's endpoints with their state and deliveries
  remove   remove an endpoint by --id, with its delivery log

Events (Standard Webhooks, signed with the endpoint's secret): ` + "booking.confirmed, booking.failed,\nbooking.changed, booking.cancelled, contract.started, contract.ended, invoice.issued,\npayment.succeeded, payment.failed." + `

Run "mietwerk webhook <subcommand> --help" for the options.
`

func cmdWebhook(ctx context.Context, c *cli, args []string) int {
	return subcommand(ctx, c, "webhook", args, webhookHelp, map[string]func(context.Context, *cli, []string) int{
		"add":    webhookAdd,
		"list":   webhookList,
		"remove": webhookRemove,
	})
}

func webhookAdd(ctx context.Context, c *cli, args []string) int {
	a := newAdminCmd(c, "webhook add")
	u := a.string("url", "", "the receiver's address, https://…")
	events := a.string("events", "", "comma-separated event types (empty or *: every type, also ones added later)")
	desc := a.string("description", "", "what the endpoint is, e.g. the agency's system")
	test := a.bool("test", "test mode: receive the events of bookings made with test keys only")
	private := a.bool("allow-private", "allow loopback and private addresses and plain http, as servers with --webhook-allow-private deliver to them (env MIETWERK_WEBHOOK_ALLOW_PRIVATE)")
	ctx, st, status, ok := a.open(ctx, args, "mietwerk webhook add --tenant SLUG --url URL [--events TYPE,…] [options]")
	if !ok {
		return status
	}
	defer st.Close()
	if status, ok := a.require(map[string]string{"url": *u}); !ok {
		return status
	}
	if v := c.getenv("MIETWERK_WEBHOOK_ALLOW_PRIVATE"); !*private && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return configError(c, a.name, fmt.Errorf("invalid MIETWERK_WEBHOOK_ALLOW_PRIVATE %q: want true or false", v))
		}
		*private = b
	}
	types, fe := webhook.ParseTypes("events", *events)
	if fe != nil {
		return configError(c, a.name, fmt.Errorf("invalid --events: %s", fe.Message))
	}
	ep, err := webhook.NewService(st, webhookPolicy(*private)).Create(ctx, webhook.Input{URL: *u, Description: *desc, Events: types, Test: *test})
	if err != nil {
		return a.fail(err)
	}
	mode := "live"
	if ep.Test {
		mode = "test"
	}
	fmt.Fprintf(c.stderr, "added %s webhook %d to %s for %s; its signing secret is shown only now, give it to the receiver:\n",
		mode, ep.ID, ep.URL, eventsText(ep.Events))
	fmt.Fprintln(c.stdout, ep.Secret)
	return exitOK
}

func eventsText(ts []webhook.Type) string {
	if len(ts) == 0 {
		return "every event"
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = string(t)
	}
	return strings.Join(parts, ",")
}

func webhookList(ctx context.Context, c *cli, args []string) int {
	a := newAdminCmd(c, "webhook list")
	ctx, st, status, ok := a.open(ctx, args, "mietwerk webhook list --tenant SLUG [options]")
	if !ok {
		return status
	}
	defer st.Close()
	eps, err := st.ListEndpoints(ctx)
	if err != nil {
		return a.fail(err)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tMODE\tSTATE\tURL\tEVENTS\tPENDING\tFAILED\tLAST DELIVERY (UTC)")
	for _, e := range eps {
		mode, state := modeName(e.Test), "enabled"
		if !e.Enabled {
			state = "disabled (" + string(e.DisabledReason) + ")"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", e.ID, mode, state, e.URL, eventsText(e.Events), e.Pending, e.Failed, fmtTime(e.LastDelivery))
	}
	tw.Flush()
	return exitOK
}

func webhookRemove(ctx context.Context, c *cli, args []string) int {
	return byID(ctx, c, args, "webhook remove", "endpoint", "webhook list", func(ctx context.Context, st *store.Store, id int64) error {
		return st.DeleteEndpoint(ctx, id)
	}, "webhook %d removed")
}
