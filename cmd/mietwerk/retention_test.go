package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/payment"
)

// TestRetentionRunCommand: "mietwerk retention run" purges an erased
// customer whose erase_after has passed, deletes the stored card at the
// gateway, prints it, and a second run finds nothing left to do.
func TestRetentionRunCommand(t *testing.T) {
	dir := t.TempDir()
	run1 := func(args ...string) (int, string, string) {
		t.Helper()
		args = append(args, "--data-dir", dir)
		var out, errb bytes.Buffer
		st := run(context.Background(), args, &cli{getenv: envOf(nil), stdin: strings.NewReader(""), stdout: &out, stderr: &errb})
		return st, out.String(), errb.String()
	}
	if st, out, errOut := run1("tenant", "create", "--slug", "autohaus-huber", "--name", "Autohaus Huber", "--legal-name", "Autohaus Huber GmbH"); st != exitOK {
		t.Fatalf("create tenant: %d %q %q", st, out, errOut)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "mietwerk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tenants, err := st.ListTenants(identity.WithActor(ctx, identity.System()))
	if err != nil || len(tenants) != 1 {
		t.Fatalf("tenants: %+v %v", tenants, err)
	}
	tctx := identity.WithActor(ctx, identity.SystemFor(tenants[0].ID))
	c := customer.Customer{Email: "eva@example.de", FirstName: "Eva", LastName: "Huber", Street: "Weg 1", PostalCode: "93047", City: "Regensburg"}
	if _, _, err := st.UpsertCustomer(tctx, &c); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveCard(tctx, &payment.StoredCard{CustomerID: c.ID, Token: "tok-eva", Card: payment.CardInfo{Brand: "visa", Last4: "1111"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EraseCustomer(tctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`UPDATE customers SET erase_after = '2000-01-01' WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := run1("retention", "run", "--photo-dir", filepath.Join(dir, "photos"))
	if code != exitOK || !strings.Contains(out, "customers purged: 1, failed: 0") || !strings.Contains(out, "cards deleted at the gateway: 1, failed: 0") ||
		!strings.Contains(out, "deleted after the retention period ended 2000-01-01") {
		t.Fatalf("retention run: %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "tok-eva") {
		t.Fatal("token printed or logged")
	}
	code, out, _ = run1("retention", "run")
	if code != exitOK || !strings.Contains(out, "customers purged: 0") || !strings.Contains(out, "cards deleted at the gateway: 0") {
		t.Fatalf("second run: %d\n%s", code, out)
	}
	if code, _, errOut := run1("retention"); code != exitUsage || !strings.Contains(errOut, "run") {
		t.Fatalf("without subcommand: %d %q", code, errOut)
	}
	rs, err := st.RetentionStatus(tctx, c.ID)
	if err != nil || rs.PurgedAt == nil || rs.CardsDeleted != 1 {
		t.Fatalf("status after the run = %+v, %v", rs, err)
	}
}
