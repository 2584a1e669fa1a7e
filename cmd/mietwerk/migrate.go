package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

func cmdMigrate(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	resolve := configFlags(fs, modeAdmin)
	if st, ok := parseFlags(c, fs, args, func(w io.Writer) {
		usage(w, "mietwerk migrate [options]\n\nApplies pending database migrations and exits. Safe to run while servers are running\nand from several processes at once.", fs, modeAdmin, nil)
	}); !ok {
		return st
	}
	cfg, err := resolve(c.getenv)
	if err != nil {
		return configError(c, "migrate", err)
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, c.stderr))
	if err != nil {
		return failed(c, "migrate", err)
	}
	defer st.Close()
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return failed(c, "migrate", err)
	}
	fmt.Fprintf(c.stdout, "database (%s) is at schema version %d\n", st.Dialect(), v)
	return exitOK
}
