package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
)

// adminCmd is the shared set-up of the user and apikey subcommands: the
// database options plus --tenant.
type adminCmd struct {
	c       *cli
	name    string // "user add"
	fs      *flag.FlagSet
	tenant  *string
	resolve func(func(string) string) (Config, error)
	own     []string // the command's own flags, for --help
	st      *store.Store
}

// slugRE is what a tenant slug looks like.
var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)

func newAdminCmd(c *cli, name string) *adminCmd {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	a := &adminCmd{c: c, name: name, fs: fs}
	a.tenant = fs.String("tenant", "", "slug of the tenant, e.g. autohaus-koenig (env MIETWERK_TENANT)")
	a.own = []string{"tenant"}
	a.resolve = configFlags(fs, modeAdmin)
	return a
}

// flag helpers that also record the flag for --help
func (a *adminCmd) string(name, def, help string) *string {
	a.own = append(a.own, name)
	return a.fs.String(name, def, help)
}

func (a *adminCmd) int(name string, def int, help string) *int {
	a.own = append(a.own, name)
	return a.fs.Int(name, def, help)
}

func (a *adminCmd) bool(name string, help string) *bool {
	a.own = append(a.own, name)
	return a.fs.Bool(name, false, help)
}

func (a *adminCmd) list(name, help string) *stringList {
	a.own = append(a.own, name)
	l := &stringList{}
	a.fs.Var(l, name, help)
	return l
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// open parses args, resolves the configuration, opens the (migrated) store
// and returns a context acting as the system for the tenant. status is
// meaningful when ok is false.
func (a *adminCmd) open(ctx context.Context, args []string, synopsis string) (_ context.Context, _ *store.Store, status int, ok bool) {
	if st, ok := parseFlags(a.c, a.fs, args, func(w io.Writer) { usage(w, synopsis, a.fs, modeAdmin, a.own) }); !ok {
		return nil, nil, st, false
	}
	cfg, err := a.resolve(a.c.getenv)
	if err != nil {
		return nil, nil, configError(a.c, a.name, err), false
	}
	if *a.tenant == "" {
		*a.tenant = a.c.getenv("MIETWERK_TENANT")
	}
	if *a.tenant == "" {
		return nil, nil, configError(a.c, a.name, fmt.Errorf("missing --tenant (env MIETWERK_TENANT): name the tenant by its slug, e.g. autohaus-koenig")), false
	}
	cfg.LogLevel = max(cfg.LogLevel, slog.LevelWarn) // admin commands log warnings and errors only
	st, err := openStore(ctx, cfg, newLogger(cfg, a.c.stderr))
	if err != nil {
		return nil, nil, failed(a.c, a.name, err), false
	}
	t, err := st.TenantBySlug(identity.WithActor(ctx, identity.System()), *a.tenant)
	if errs.Is(err, errs.KindNotFound) {
		st.Close()
		return nil, nil, configError(a.c, a.name, fmt.Errorf("invalid --tenant %q: no such tenant", *a.tenant)), false
	}
	if err != nil {
		st.Close()
		return nil, nil, failed(a.c, a.name, err), false
	}
	return identity.WithActor(ctx, identity.SystemFor(t.ID)), st, exitOK, true
}

// require reports a missing required flag.
func (a *adminCmd) require(values map[string]string) (int, bool) {
	for _, name := range a.own {
		if v, ok := values[name]; ok && strings.TrimSpace(v) == "" {
			return configError(a.c, a.name, fmt.Errorf("missing --%s", name)), false
		}
	}
	return exitOK, true
}

// fail prints a service error as one line and returns its exit status:
// invalid input names the flags (exit 2), anything else exits 1.
func (a *adminCmd) fail(err error) int {
	e, ok := errs.As(err)
	if ok && e.Kind == errs.KindInvalid && len(e.Fields) > 0 {
		parts := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			parts[i] = fmt.Sprintf("invalid --%s: %s", strings.ReplaceAll(f.Field, "_", "-"), f.Message)
		}
		fmt.Fprintf(a.c.stderr, "mietwerk %s: %s\n", a.name, strings.Join(parts, "; "))
		return exitUsage
	}
	if ok && e.Kind != errs.KindInternal && e.Message != "" {
		fmt.Fprintf(a.c.stderr, "mietwerk %s: %s\n", a.name, e.Message)
		return exitFailed
	}
	return failed(a.c, a.name, err)
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// subcommand dispatches to one of subs, printing help for none or --help.
func subcommand(ctx context.Context, c *cli, group string, args []string, help string, subs map[string]func(context.Context, *cli, []string) int) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, help)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(c.stdout, help)
		return exitOK
	}
	if f, ok := subs[args[0]]; ok {
		return f(ctx, c, args[1:])
	}
	fmt.Fprintf(c.stderr, "mietwerk %s: unknown subcommand %q; run \"mietwerk %s help\"\n", group, args[0], group)
	return exitUsage
}

func identityService(st *store.Store) *identity.Service {
	return identity.NewService(st, identity.Config{}, nil)
}

// byID runs a subcommand that acts on one record given by --id, the number
// its list subcommand shows: act with the parsed id, then done (a format
// with the id) on stdout.
func byID(ctx context.Context, c *cli, args []string, name, what, list string, act func(context.Context, *store.Store, int64) error, done string) int {
	a := newAdminCmd(c, name)
	id := a.string("id", "", "id of the "+what+" (see "+list+")")
	ctx, st, status, ok := a.open(ctx, args, "mietwerk "+name+" --tenant SLUG --id ID")
	if !ok {
		return status
	}
	defer st.Close()
	if status, ok := a.require(map[string]string{"id": *id}); !ok {
		return status
	}
	n, err := strconv.ParseInt(*id, 10, 64)
	if err != nil || n <= 0 {
		return configError(c, a.name, fmt.Errorf("invalid --id %q: want the number shown by %s", *id, list))
	}
	if err := act(ctx, st, n); err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(c.stdout, done+"\n", n)
	return exitOK
}
