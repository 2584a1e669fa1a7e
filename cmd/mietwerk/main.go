// Command mietwerk is the one Mietwerk binary: the server (API and admin
// web), the demo, migrations and the admin commands for users and API keys.
//
//	mietwerk serve      run the server
//	mietwerk demo       run the server with the demo tenant "Autohaus König"
//	mietwerk migrate    apply pending database migrations and exit
//	mietwerk user …     add, list, set-password, disable, enable staff logins
//	mietwerk apikey …   create, list, revoke API keys
//	mietwerk webhook …  add, list, remove webhook endpoints
//	mietwerk tenant …   create, list tenants; set-simulator: a shared simulator process
//	mietwerk secrets …  generate-key, rotate: the key of the stored secrets
//	mietwerk telecash-sim  run the Telecash gateway simulator on its own port
//	mietwerk backup --out DIR  consistent, checked backup of the SQLite database and photos
//	mietwerk retention run  one pass of the retention job (GDPR deletion, card tokens, photos)
//	mietwerk version    print version and build information
//
// Configuration comes from flags and MIETWERK_* environment variables (see
// config.go); `mietwerk <command> --help` lists every option with its default.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"mietwerk.dev/mietwerk/httpx"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], &cli{
		getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
	}))
}

// cli is the process environment a command runs in; tests substitute it.
type cli struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1 // the command ran and failed
	exitUsage  = 2 // bad command line or configuration
)

const topUsage = `Mietwerk — rental management for car dealerships.

Usage: mietwerk <command> [options]

Commands:
  serve      run the server (admin web, API, health and metrics)
  demo       run the server with the demo tenant "Autohaus König" on http://localhost:8080
  migrate    apply pending database migrations and exit
  user       manage staff logins: add, list, set-password, disable, enable
  apikey     manage API keys: create, list, revoke
  webhook    manage webhook endpoints: add, list, remove
  tenant     manage tenants (dealership groups): create, list, set-simulator
  secrets    the key of the stored secrets: generate-key, rotate
  telecash-sim  run the Telecash gateway simulator on its own port
  retention  run one pass of the retention job now: retention run
  backup     write a consistent, checked backup of the SQLite database and photos: backup --out DIR
  load       run website visitors (availability, booking) against a running server and report the figures
  version    print version and build information

Run "mietwerk <command> --help" for the options of a command.
`

// run executes the command line args and returns the exit status.
func run(ctx context.Context, args []string, c *cli) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, topUsage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, c, rest)
	case "demo":
		return cmdDemo(ctx, c, rest)
	case "migrate":
		return cmdMigrate(ctx, c, rest)
	case "user":
		return cmdUser(ctx, c, rest)
	case "apikey":
		return cmdAPIKey(ctx, c, rest)
	case "tenant":
		return cmdTenant(ctx, c, rest)
	case "webhook":
		return cmdWebhook(ctx, c, rest)
	case "secrets":
		return cmdSecrets(ctx, c, rest)
	case "telecash-sim":
		return cmdTelecashSim(ctx, c, rest)
	case "retention":
		return cmdRetention(ctx, c, rest)
	case "backup":
		return cmdBackup(ctx, c, rest)
	case "load":
		return cmdLoad(ctx, c, rest)
	case "version", "--version":
		fmt.Fprint(c.stdout, versionText())
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(c.stdout, topUsage)
		return exitOK
	}
	fmt.Fprintf(c.stderr, "mietwerk: unknown command %q; run \"mietwerk help\" for the list\n", cmd)
	return exitUsage
}

// parseFlags parses args with fs. It prints the usage to stdout for --help
// and one error line to stderr for a bad flag. ok is false when the caller
// should return status.
func parseFlags(c *cli, fs *flag.FlagSet, args []string, printUsage func(io.Writer)) (status int, ok bool) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(c.stdout)
		return exitOK, false
	case err != nil:
		fmt.Fprintf(c.stderr, "mietwerk %s: %v; run \"mietwerk %s --help\" for the options\n", fs.Name(), err, fs.Name())
		return exitUsage, false
	case fs.NArg() > 0:
		fmt.Fprintf(c.stderr, "mietwerk %s: unexpected argument %q; run \"mietwerk %s --help\" for the options\n", fs.Name(), fs.Arg(0), fs.Name())
		return exitUsage, false
	}
	return exitOK, true
}

// configError prints err (one line naming the option) and returns exitUsage.
func configError(c *cli, cmd string, err error) int {
	fmt.Fprintf(c.stderr, "mietwerk %s: %v\n", cmd, err)
	return exitUsage
}

// failed prints a runtime failure as one line and returns exitFailed.
func failed(c *cli, cmd string, err error) int {
	fmt.Fprintf(c.stderr, "mietwerk %s: %s\n", cmd, strings.ReplaceAll(err.Error(), "\n", " "))
	return exitFailed
}

// newLogger returns the process logger: JSON or text on w at cfg.LogLevel,
// adding the request id of the context to every record.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler
	if cfg.LogFormat == "text" {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(httpx.NewLogHandler(h))
}

// versionText describes the build: module version, VCS revision and time,
// Go version and platform.
func versionText() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "mietwerk (no build information)\n"
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "mietwerk %s\n", v)
	if rev := settings["vcs.revision"]; rev != "" {
		dirty := ""
		if settings["vcs.modified"] == "true" {
			dirty = " (modified)"
		}
		fmt.Fprintf(&b, "revision: %s%s\n", rev, dirty)
	}
	if t := settings["vcs.time"]; t != "" {
		fmt.Fprintf(&b, "commit time: %s\n", t)
	}
	fmt.Fprintf(&b, "go: %s %s/%s\n", bi.GoVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}
