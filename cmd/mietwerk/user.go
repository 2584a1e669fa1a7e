package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/identity"
)

const userHelp = `Usage: mietwerk user <subcommand> --tenant SLUG [options]

Subcommands:
  add            create a login: --email, --name, --role admin|station, --station CODE (repeatable)
  list           list the tenant's logins
  set-password   set a new password (ends the user's sessions)
  disable        stop a user from signing in (ends the user's sessions)
  enable         let a disabled user sign in again

Passwords are never flags: they are read from --password-file, MIETWERK_PASSWORD,
MIETWERK_PASSWORD_FILE or standard input. Run "mietwerk user <subcommand> --help" for the options.
`

func cmdUser(ctx context.Context, c *cli, args []string) int {
	return subcommand(ctx, c, "user", args, userHelp, map[string]func(context.Context, *cli, []string) int{
		"add":          userAdd,
		"list":         userList,
		"set-password": userSetPassword,
		"disable":      func(ctx context.Context, c *cli, args []string) int { return userSetDisabled(ctx, c, args, true) },
		"enable":       func(ctx context.Context, c *cli, args []string) int { return userSetDisabled(ctx, c, args, false) },
	})
}

func userAdd(ctx context.Context, c *cli, args []string) int {
	a := newAdminCmd(c, "user add")
	email := a.string("email", "", "e-mail address, used to sign in")
	name := a.string("name", "", "full name")
	role := a.string("role", "", "admin (all stations) or station (only its --station)")
	stations := a.list("station", "station code the user works at (repeat for several; role station)")
	lang := a.string("language", "de", "language of the admin web: de or en")
	pwFile := a.string("password-file", "", "read the password from this file (else MIETWERK_PASSWORD(_FILE) or stdin)")
	ctx, st, status, ok := a.open(ctx, args, "mietwerk user add --tenant SLUG --email E --name N --role admin|station [--station CODE …] [options]")
	if !ok {
		return status
	}
	defer st.Close()
	if status, ok := a.require(map[string]string{"email": *email, "name": *name, "role": *role}); !ok {
		return status
	}
	if r := identity.Role(*role); !r.Valid() {
		return configError(c, a.name, fmt.Errorf("invalid --role %q: want admin or station", *role))
	}
	u := identity.User{Email: *email, Name: *name, Role: identity.Role(*role), Language: *lang}
	for _, code := range *stations {
		s, err := st.StationByCode(ctx, strings.ToUpper(strings.TrimSpace(code)))
		if err != nil {
			return configError(c, a.name, fmt.Errorf("invalid --station %q: no such station of tenant %s", code, *a.tenant))
		}
		u.StationIDs = append(u.StationIDs, s.ID)
	}
	if u.Role == identity.RoleStation && len(u.StationIDs) == 0 {
		return configError(c, a.name, fmt.Errorf("missing --station: a station user needs at least one station"))
	}
	pw, err := readPassword(c, *pwFile)
	if err != nil {
		return configError(c, a.name, err)
	}
	svc := identityService(st)
	if err := svc.CreateUser(ctx, &u, pw); err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(c.stdout, "created user %d %s (%s)\n", u.ID, u.Email, u.Role)
	return exitOK
}

func userList(ctx context.Context, c *cli, args []string) int {
	a := newAdminCmd(c, "user list")
	ctx, st, status, ok := a.open(ctx, args, "mietwerk user list --tenant SLUG [options]")
	if !ok {
		return status
	}
	defer st.Close()
	users, err := st.ListUsers(ctx)
	if err != nil {
		return a.fail(err)
	}
	codes, err := stationCodes(ctx, st)
	if err != nil {
		return a.fail(err)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tE-MAIL\tNAME\tROLE\tSTATIONS\tLAST LOGIN (UTC)\tDISABLED")
	for _, u := range users {
		var sc []string
		for _, id := range u.StationIDs {
			sc = append(sc, codes[id])
		}
		if u.Role == identity.RoleAdmin {
			sc = []string{"all"}
		}
		disabled := "-"
		if u.Disabled() {
			disabled = fmtTime(u.DisabledAt)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, strings.Join(sc, ","), fmtTime(u.LastLoginAt), disabled)
	}
	tw.Flush()
	return exitOK
}

func stationCodes(ctx context.Context, st *store.Store) (map[int64]string, error) {
	ss, err := st.ListStations(ctx)
	if err != nil {
		return nil, err
	}
	m := map[int64]string{}
	for _, s := range ss {
		m[s.ID] = s.Code
	}
	return m, nil
}

// userByEmail finds a user of the tenant in ctx by e-mail (case-insensitive).
func userByEmail(ctx context.Context, st *store.Store, email string) (identity.User, bool, error) {
	users, err := st.ListUsers(ctx)
	if err != nil {
		return identity.User{}, false, err
	}
	for _, u := range users {
		if strings.EqualFold(u.Email, strings.TrimSpace(email)) {
			return u, true, nil
		}
	}
	return identity.User{}, false, nil
}

func userSetPassword(ctx context.Context, c *cli, args []string) int {
	a := newAdminCmd(c, "user set-password")
	email := a.string("email", "", "e-mail address of the user")
	pwFile := a.string("password-file", "", "read the password from this file (else MIETWERK_PASSWORD(_FILE) or stdin)")
	ctx, st, status, ok := a.open(ctx, args, "mietwerk user set-password --tenant SLUG --email E [--password-file F]")
	if !ok {
		return status
	}
	defer st.Close()
	if status, ok := a.require(map[string]string{"email": *email}); !ok {
		return status
	}
	u, found, err := userByEmail(ctx, st, *email)
	if err != nil {
		return a.fail(err)
	}
	if !found {
		return configError(c, a.name, fmt.Errorf("invalid --email %q: no such user of tenant %s", *email, *a.tenant))
	}
	pw, err := readPassword(c, *pwFile)
	if err != nil {
		return configError(c, a.name, err)
	}
	if err := identityService(st).SetPassword(ctx, u.ID, pw); err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(c.stdout, "password of %s changed; its sessions are ended\n", u.Email)
	return exitOK
}

func userSetDisabled(ctx context.Context, c *cli, args []string, disabled bool) int {
	verb := map[bool]string{true: "disable", false: "enable"}[disabled]
	a := newAdminCmd(c, "user "+verb)
	email := a.string("email", "", "e-mail address of the user")
	ctx, st, status, ok := a.open(ctx, args, "mietwerk user "+verb+" --tenant SLUG --email E")
	if !ok {
		return status
	}
	defer st.Close()
	if status, ok := a.require(map[string]string{"email": *email}); !ok {
		return status
	}
	u, found, err := userByEmail(ctx, st, *email)
	if err != nil {
		return a.fail(err)
	}
	if !found {
		return configError(c, a.name, fmt.Errorf("invalid --email %q: no such user of tenant %s", *email, *a.tenant))
	}
	if err := identityService(st).SetDisabled(ctx, u.ID, disabled); err != nil {
		return a.fail(err)
	}
	fmt.Fprintf(c.stdout, "%s %sd\n", u.Email, verb)
	return exitOK
}
