package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/secrets"
)

const secretsHelp = `Usage: mietwerk secrets <subcommand> [options]

Subcommands:
  generate-key  print a new secret key (32 random bytes in base64); --out FILE writes it to a new file (mode 0600)
  rotate        encrypt every stored secret (the tenants' Telecash API secrets) with the primary key
                (--secret-key-file), opening each with whichever configured key it was sealed with
                (--secret-key-previous-file); also encrypts values stored before encryption at rest

Replacing the key:
  1. mietwerk secrets generate-key --out /etc/mietwerk/secret-new.key
  2. restart every server with MIETWERK_SECRET_KEY_FILE=<new key> and
     MIETWERK_SECRET_KEY_PREVIOUS_FILE=<old key>
  3. mietwerk secrets rotate (same two settings); when it reports every secret on the new key,
     drop MIETWERK_SECRET_KEY_PREVIOUS_FILE, restart, and destroy the old key
`

func cmdSecrets(ctx context.Context, c *cli, args []string) int {
	return subcommand(ctx, c, "secrets", args, secretsHelp, map[string]func(context.Context, *cli, []string) int{
		"generate-key": secretsGenerateKey,
		"rotate":       secretsRotate,
	})
}

func secretsGenerateKey(_ context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("secrets generate-key", flag.ContinueOnError)
	out := fs.String("out", "", "write the key to this new file (mode 0600) instead of printing it")
	if st, ok := parseFlags(c, fs, args, func(w io.Writer) {
		fmt.Fprint(w, "Usage: mietwerk secrets generate-key [--out FILE]\n\nPrints a new secret key: 32 random bytes in base64.\n\nOptions:\n  --out FILE  write it to FILE (created with mode 0600; an existing file is left alone)\n")
	}); !ok {
		return st
	}
	key, err := secrets.GenerateKey(nil)
	if err != nil {
		return failed(c, "secrets generate-key", err)
	}
	if *out == "" {
		fmt.Fprintln(c.stdout, key)
		return exitOK
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return configError(c, "secrets generate-key", fmt.Errorf("invalid --out %q: the file exists; a key is never overwritten", *out))
	}
	if err != nil {
		return failed(c, "secrets generate-key", err)
	}
	_, err = f.WriteString(key + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return failed(c, "secrets generate-key", err)
	}
	id, _ := secrets.ParseKey(key)
	fmt.Fprintf(c.stdout, "wrote a new secret key (key id %s) to %s\n", id, *out)
	return exitOK
}

func secretsRotate(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("secrets rotate", flag.ContinueOnError)
	resolve := configFlags(fs, modeSecrets)
	if st, ok := parseFlags(c, fs, args, func(w io.Writer) {
		usage(w, "mietwerk secrets rotate [options]\n\nEncrypts every stored secret with the primary key (--secret-key), opening each with the key it was\nsealed with (--secret-key or --secret-key-previous). Safe while servers run, once every server has\nthe new key.", fs, modeSecrets, nil)
	}); !ok {
		return st
	}
	cfg, err := resolve(c.getenv)
	if err != nil {
		return configError(c, "secrets rotate", err)
	}
	if cfg.SecretKey == "" {
		return configError(c, "secrets rotate", errors.New("missing --secret-key-file (MIETWERK_SECRET_KEY_FILE): the key to encrypt with"))
	}
	keys, err := keyring(cfg)
	if err != nil {
		return configError(c, "secrets rotate", err)
	}
	cfg.LogLevel = max(cfg.LogLevel, slog.LevelWarn)
	st, err := openStore(ctx, cfg, newLogger(cfg, c.stderr))
	if err != nil {
		return failed(c, "secrets rotate", err)
	}
	defer st.Close()
	r, err := secrets.Rotate(identity.WithActor(ctx, identity.System()), st, keys)
	if err != nil {
		return failed(c, "secrets rotate", err)
	}
	fmt.Fprintf(c.stdout, "stored secrets: %d; on key %s now: %d (re-encrypted from a previous key: %d, encrypted from plain text: %d)\n",
		r.Total, keys.PrimaryID(), r.Current, r.Rotated, r.Sealed)
	for _, f := range r.Failed {
		fmt.Fprintf(c.stdout, "not readable: %v\n", f)
	}
	if r.Changed > 0 {
		fmt.Fprintf(c.stdout, "changed by someone else meanwhile: %d; run mietwerk secrets rotate again\n", r.Changed)
	}
	if len(r.Failed) > 0 || r.Changed > 0 {
		fmt.Fprintf(c.stderr, "mietwerk secrets rotate: %d of %d stored secrets are not on key %s yet; keep the previous keys\n",
			r.Total-r.Current, r.Total, keys.PrimaryID())
		return exitFailed
	}
	fmt.Fprintf(c.stdout, "every stored secret is on key %s: the previous keys are no longer needed\n", keys.PrimaryID())
	return exitOK
}
