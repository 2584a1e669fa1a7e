package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/adapter/photofs"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/payment"
)

// Retention job timing: the first pass a minute after start (not in the
// way of start-up), then hourly. Every serve process runs it; the store
// makes concurrent passes safe.
const (
	retentionFirstRun = time.Minute
	retentionInterval = time.Hour
)

// newRetention builds the retention job over the store, the card eraser and
// the --photo-dir folder (nil: photos only in the database).
func newRetention(cfg Config, st *store.Store, cards *payment.CardEraser, log *slog.Logger) *customer.Retention {
	log = log.With("component", "retention")
	r := &customer.Retention{Store: st, Cards: cards, Now: time.Now, Log: log, Jobs: jobRunner(st, log)}
	if cfg.PhotoDir != "" {
		r.Blobs = photofs.At(cfg.PhotoDir)
	}
	return r
}

// cmdRetention runs "mietwerk retention run": one pass of the retention job
// now, printing what it did.
func cmdRetention(ctx context.Context, c *cli, args []string) int {
	const synopsis = "mietwerk retention run [options]\n\nRuns one pass of the retention job now (every server also runs it hourly) and prints what it did:\n" +
		"deletes the data an erasure request had to keep once its retention period has ended, deletes stored\n" +
		"cards at the gateway whose deletion is still outstanding, and deletes damage photos past the photo\n" +
		"retention (--photo-dir must name the servers' photo folder). Only the database, photo and simulator\n" +
		"options matter here."
	if len(args) == 0 || args[0] != "run" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			fmt.Fprintln(c.stdout, "Usage: "+synopsis)
			return exitOK
		}
		fmt.Fprintln(c.stderr, "mietwerk retention: want the subcommand \"run\"; run \"mietwerk retention run --help\" for the options")
		return exitUsage
	}
	fs := flag.NewFlagSet("retention run", flag.ContinueOnError)
	resolve := configFlags(fs, modeServe)
	if st, ok := parseFlags(c, fs, args[1:], func(w io.Writer) { usage(w, synopsis, fs, modeServe, nil) }); !ok {
		return st
	}
	cfg, err := resolve(c.getenv)
	if err != nil {
		return configError(c, "retention run", err)
	}
	log := newLogger(cfg, c.stderr)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return failed(c, "retention run", err)
	}
	defer st.Close()
	// Tenants with the built-in simulator use one of this process: a token
	// the server's simulator held is unknown here and counts as deleted. A
	// tenant's own simulator URL is shared with the servers.
	keys, err := keyring(cfg)
	if err != nil {
		return configError(c, "retention run", err)
	}
	sim, gws := newGateways(cfg, st, keys, log)
	defer sim.Close()
	r := newRetention(cfg, st, payment.NewCardEraser(st, gws, time.Now, nil, log), log)
	run, err := r.RunOnce(ctx)
	printRetention(c.stdout, run)
	if err != nil {
		return failed(c, "retention run", err)
	}
	return exitOK
}

// printRetention writes a pass's report, one line per customer.
func printRetention(w io.Writer, run customer.RetentionRun) {
	purged := 0
	for _, p := range run.Purged {
		if p.Postponed != "" {
			fmt.Fprintf(w, "customer %d (tenant %d): retention period raised, deletion postponed to %s\n", p.CustomerID, p.TenantID, p.Postponed)
			continue
		}
		purged++
		keys := make([]string, 0, len(p.Deleted))
		for k := range p.Deleted {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s=%d", k, p.Deleted[k])
		}
		fmt.Fprintf(w, "customer %d (tenant %d): deleted after the retention period ended %s: %s\n", p.CustomerID, p.TenantID,
			p.EraseAfter, strings.Join(parts, " "))
	}
	fmt.Fprintf(w, "customers purged: %d, failed: %d\n", purged, run.PurgeFailed)
	fmt.Fprintf(w, "cards deleted at the gateway: %d, failed: %d\n", run.CardsDeleted, run.CardsFailed)
	fmt.Fprintf(w, "damage photos deleted: %d (files: %d), kept because their files could not be deleted: %d\n",
		run.PhotosDeleted, run.PhotoFiles, run.PhotosKept)
}
