package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/identity"
)

// TestLoadAgainstServer: `mietwerk load` against a demo server's booking
// API for a moment books through the real stack, and the bookings it
// reports are the test bookings the server stored (no figure of speed is
// asserted); bad flags are refused with a line that says why.
func TestLoadAgainstServer(t *testing.T) {
	dir := t.TempDir()
	sd := startSeeded(t, dir, []string{"--data-dir", dir, "--mail-transport", "keep"})
	srv := httptest.NewServer(newAPIHandler(sd.svc, sd.log))
	t.Cleanup(srv.Close)

	var out, errb bytes.Buffer
	status := run(context.Background(), []string{"load", "--url", srv.URL, "--duration", "2s", "--workers", "2"},
		&cli{getenv: envOf(map[string]string{"MIETWERK_LOAD_KEY": sd.creds.TestSecretAPIKey}), stdout: &out, stderr: &errb})
	if status != exitOK {
		t.Fatalf("load: status %d\n%s\n%s", status, out.String(), errb.String())
	}
	m := regexp.MustCompile(`bookings: +(\d+) created in [\d.]+ s = [\d.]+ bookings/s`).FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), "booking ms:      p50 ") || !strings.Contains(out.String(), "availability ms: p50 ") {
		t.Fatalf("report:\n%s", out.String())
	}
	created, _ := strconv.Atoi(m[1])
	tn, err := sd.st.TenantBySlug(identity.WithActor(context.Background(), identity.System()), "autohaus-koenig")
	must(t, err)
	_, stored, err := sd.st.ReservationRows(identity.WithActor(context.Background(), identity.SystemFor(tn.ID)),
		booking.ListQuery{Search: "@example.test", Status: booking.StatusConfirmed, Limit: 1})
	must(t, err)
	if created == 0 || stored != created {
		t.Errorf("load reported %d bookings, the server holds %d of its confirmed bookings\n%s", created, stored, out.String())
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"load", "--url", srv.URL}, "--key"},
		{[]string{"load", "--url", "ftp://x", "--key", "k"}, "no http(s) URL"},
		{[]string{"load", "--url", srv.URL, "--key", "k", "--workers", "0"}, "--workers 1–256"},
	} {
		var o, e bytes.Buffer
		if st := run(context.Background(), c.args, &cli{getenv: envOf(nil), stdout: &o, stderr: &e}); st != exitUsage || !strings.Contains(e.String(), c.want) {
			t.Errorf("%v: status %d, %q", c.args, st, e.String())
		}
	}
}
