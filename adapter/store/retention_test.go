package store_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/photofs"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/payment"
)

func count(t *testing.T, s *store.Store, q string, a ...any) int {
	t.Helper()
	var n int
	mustNil(t, s.DB().QueryRow(q, a...).Scan(&n))
	return n
}

// TestRetentionPurge: an erased customer with an invoice is deleted finally
// only after erase_after (and after a raised retention period), exactly
// once; the GoBD triggers refuse deleting invoices of anyone not purged.
func TestRetentionPurge(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newCustFixture(t, s)
		admin := as(f.w.actor(0, -1))
		tid := f.w.tenants[0].ID
		job := sys(tid)
		f.email(t, s, 0, f.rc0, "Hallo Anna")
		f.payment(t, s, f.rc0, "txn-r")
		mustNil(t, s.SetReservationNotes(f.ctx, f.rc0.ID, "Kindersitz, Werkstattauftrag 4711"))
		iss := advanceInvoice(f.c.ID)
		iss.ReservationID, iss.StationID = f.rc0.ID, f.w.stations[0][0].ID
		mustNil(t, s.IssueInvoice(f.ctx, invoice.IssueRequest{Issued: iss, Render: fakeRender, EInvoice: fakeEInvoice}))
		card := payment.StoredCard{TenantID: tid, CustomerID: f.c.ID, Token: "tok-anna", Card: payment.CardInfo{Brand: "visa", Last4: "1111", ExpMonth: 12, ExpYear: 2030}}
		mustNil(t, s.SaveCard(f.ctx, &card))
		for _, r := range []booking.Reservation{f.rc0, f.rc1, f.rd1} {
			mustNil(t, s.SetReservationStatus(f.ctx, r.ID, []booking.Status{booking.StatusConfirmed}, booking.StatusCancelled))
		}
		er, err := s.EraseCustomer(admin, f.c.ID)
		mustNil(t, err)
		erD, err := s.EraseCustomer(admin, f.d.ID) // no invoices: erase_after today
		mustNil(t, err)
		if er.EraseAfter != "2036-12-31" || erD.EraseAfter != "2026-11-27" {
			t.Fatalf("erase_after = %s, %s", er.EraseAfter, erD.EraseAfter)
		}

		// Invoices of a customer not purged stay immutable.
		if _, err := s.DB().Exec(`DELETE FROM invoices WHERE customer_id = $1`, f.c.ID); err == nil {
			t.Fatal("an invoice of a blocked, not purged customer could be deleted")
		}
		if _, err := s.DB().Exec(`DELETE FROM documents WHERE tenant_id = $1`, tid); err == nil {
			t.Fatal("an issued document could be deleted")
		}
		if _, err := s.DB().Exec(`DELETE FROM einvoices WHERE tenant_id = $1`, tid); err == nil {
			t.Fatal("an issued e-invoice could be deleted")
		}

		due, err := s.DuePurges(identity.WithActor(context.Background(), identity.System()), "2026-11-27", 10)
		mustNil(t, err)
		if len(due) != 0 {
			t.Fatalf("due on erase_after itself: %+v", due)
		}
		if _, err := s.DuePurges(as(f.w.actor(0, 0)), "2026-11-28", 10); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("station user lists purges: %v", err)
		}
		if _, err := s.DuePurges(job, "28.11.2026", 10); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("bad date: %v", err)
		}
		due, err = s.DuePurges(job, "2026-11-28", 10)
		mustNil(t, err)
		if len(due) != 1 || due[0].CustomerID != f.d.ID {
			t.Fatalf("due 2026-11-28: %+v", due)
		}
		if other, _ := s.DuePurges(sys(f.w.tenants[1].ID), "2040-01-01", 10); len(other) != 0 {
			t.Fatalf("other tenant sees due purges: %+v", other)
		}
		p, err := s.PurgeCustomer(job, f.d.ID, "2026-11-28")
		mustNil(t, err)
		if p.Skipped || p.Deleted[store.PurgedNameAddress] != 1 {
			t.Fatalf("purge d = %+v", p)
		}
		if p, _ := s.PurgeCustomer(job, f.d.ID, "2026-11-28"); !p.Skipped {
			t.Fatalf("second purge of d = %+v", p)
		}
		if p, _ := s.PurgeCustomer(job, f.c.ID, "2030-01-01"); !p.Skipped {
			t.Fatalf("purge of c before erase_after = %+v", p)
		}
		if _, err := s.PurgeCustomer(sys(f.w.tenants[1].ID), f.c.ID, "2040-01-01"); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other tenant purges: %v", err)
		}

		// The tenant raised its retention period to 12 years: postponed.
		_, err = s.DB().Exec(`UPDATE tenants SET retention_years = 12 WHERE id = $1`, tid)
		mustNil(t, err)
		p, err = s.PurgeCustomer(job, f.c.ID, "2037-01-01")
		mustNil(t, err)
		if p.Postponed != "2038-12-31" || count(t, s, `SELECT count(*) FROM invoices WHERE customer_id = $1`, f.c.ID) != 1 {
			t.Fatalf("purge with raised retention = %+v", p)
		}
		if due, _ := s.DuePurges(job, "2037-01-01", 10); len(due) != 0 {
			t.Fatalf("due after postponing: %+v", due)
		}

		// what was recorded on the invoice as a payer's receivable goes with it
		_, err = s.DB().Exec(`INSERT INTO payer_invoice_sends (tenant_id, invoice_id, to_addr, sent_at) VALUES ($1, $2, 'a@b.example',
			'2026-11-27T09:00:00.000000Z')`, tid, iss.ID)
		mustNil(t, err)
		_, err = s.DB().Exec(`INSERT INTO payer_payments (tenant_id, invoice_id, kind, amount_cents, received_on, reference, created_at)
			VALUES ($1, $2, 'transfer', 100, '2026-11-27', 'SEPA', '2026-11-27T09:00:00.000000Z')`, tid, iss.ID)
		mustNil(t, err)
		p, err = s.PurgeCustomer(job, f.c.ID, "2039-01-01")
		mustNil(t, err)
		if p.Deleted[store.PurgedPayerRecords] != 2 {
			t.Errorf("payer records purged: %d, want 2", p.Deleted[store.PurgedPayerRecords])
		}
		if p.Skipped || p.Deleted[store.PurgedInvoices] != 1 || p.Deleted[store.PurgedInvoiceLines] != 1 ||
			p.Deleted[store.PurgedDocuments] < 1 || p.Deleted[store.PurgedEmails] != 1 || p.Deleted[store.PurgedBookingNotes] < 1 ||
			p.Deleted[store.PurgedEInvoices] != 1 || p.Deleted[store.PurgedBookedAs] != 2 {
			t.Fatalf("purge c = %+v", p)
		}
		for q, want := range map[string]int{
			`SELECT count(*) FROM invoices WHERE customer_id = $1`:                                                               0,
			`SELECT count(*) FROM emails WHERE customer_id = $1`:                                                                 0,
			`SELECT count(*) FROM documents WHERE reservation_id IN (SELECT id FROM reservations WHERE customer_id = $1)`:        0,
			`SELECT count(*) FROM reservations WHERE customer_id = $1`:                                                           2, // anonymous records stay
			`SELECT count(*) FROM payments WHERE customer_id = $1 AND card_last4 = ''`:                                           1,
			`SELECT count(*) FROM payment_cards WHERE customer_id = $1 AND last4 = '' AND token = 'tok-anna'`:                    1, // token kept until the gateway deleted it
			`SELECT count(*) FROM reservations WHERE customer_id = $1 AND notes <> ''`:                                           0,
			`SELECT count(*) FROM reservations WHERE customer_id = $1 AND (bill_street <> '' OR bill_last_name <> '[gelöscht]')`: 0,
			`SELECT count(*) FROM audit_log WHERE entity = 'customer' AND entity_id = $1 AND action = 'retention_purge'`:         1,
		} {
			if got := count(t, s, q, f.c.ID); got != want {
				t.Errorf("%s = %d, want %d", q, got, want)
			}
		}
		c, err := s.Customer(f.ctx, f.c.ID)
		mustNil(t, err)
		if c.LastName != "[gelöscht]" || c.Street != "" || strings.Contains(c.Email, "anna") {
			t.Fatalf("customer after purge = %+v", c)
		}
		st, err := s.RetentionStatus(admin, f.c.ID)
		mustNil(t, err)
		if st.PurgedAt == nil || st.CardsPending != 1 || st.EraseAfter != "2038-12-31" {
			t.Fatalf("retention status = %+v", st)
		}
		if _, err := s.RetentionStatus(as(f.w.actor(1, -1)), f.c.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other tenant reads status: %v", err)
		}
		if p, _ := s.PurgeCustomer(job, f.c.ID, "2039-01-01"); !p.Skipped {
			t.Fatalf("second purge of c = %+v", p)
		}
	})
}

// TestCardDeletionClaims: a deleted card is claimed once within the lease,
// again after it, and no more once the gateway deleted it.
func TestCardDeletionClaims(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c := testCustomer(t, s, ctx, "karte@example.de")
		card := payment.StoredCard{CustomerID: c.ID, Token: "tok-1", Card: payment.CardInfo{Brand: "visa", Last4: "1111"}}
		mustNil(t, s.SaveCard(ctx, &card))
		now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
		if got, _ := s.ClaimCardDeletions(ctx, 0, now, time.Minute, 10); len(got) != 0 {
			t.Fatalf("a card not deleted here is claimed: %+v", got)
		}
		_, err := s.DB().Exec(`UPDATE payment_cards SET deleted_at = $1 WHERE id = $2`, "2026-11-27T09:00:00.000000Z", card.ID)
		mustNil(t, err)
		got, err := s.ClaimCardDeletions(ctx, c.ID, now, time.Minute, 10)
		mustNil(t, err)
		if len(got) != 1 || got[0].Token != "tok-1" {
			t.Fatalf("claim = %+v", got)
		}
		if got, _ := s.ClaimCardDeletions(identity.WithActor(context.Background(), identity.System()), 0, now.Add(30*time.Second), time.Minute, 10); len(got) != 0 {
			t.Fatalf("claimed twice within the lease: %+v", got)
		}
		if got, _ := s.ClaimCardDeletions(sys(w.tenants[1].ID), 0, now.Add(time.Hour), time.Minute, 10); len(got) != 0 {
			t.Fatalf("other tenant claims: %+v", got)
		}
		mustNil(t, s.FinishCardDeletion(ctx, card.ID, false, now, "timeout: gateway down"))
		if st, _ := s.RetentionStatus(ctx, c.ID); st.CardsPending != 1 || !strings.Contains(st.CardError, "gateway down") {
			t.Fatalf("status after failure = %+v", st)
		}
		got, _ = s.ClaimCardDeletions(ctx, 0, now.Add(time.Second), time.Minute, 10)
		if len(got) != 1 {
			t.Fatalf("released claim not claimed again: %+v", got)
		}
		mustNil(t, s.FinishCardDeletion(ctx, card.ID, true, now, ""))
		if got, _ := s.ClaimCardDeletions(ctx, 0, now.Add(time.Hour), time.Minute, 10); len(got) != 0 {
			t.Fatalf("claimed after the gateway deleted it: %+v", got)
		}
		if st, _ := s.RetentionStatus(ctx, c.ID); st.CardsPending != 0 || st.CardsDeleted != 1 {
			t.Fatalf("status after deletion = %+v", st)
		}
		if err := s.FinishCardDeletion(sys(w.tenants[1].ID), card.ID, true, now, ""); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other tenant finishes: %v", err)
		}
	})
}

func pngPhoto(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	mustNil(t, png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 8, 8))))
	return b.Bytes()
}

// TestRetentionJobPhotos runs the job with photos in a folder: a photo of
// a repaired damage past the photo retention is deleted (row and both
// files), photos of an open damage and recent ones are kept; a second run
// changes nothing.
func TestRetentionJobPhotos(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		dir := t.TempDir()
		ps := &fleet.PhotoService{Damages: s, Blobs: photofs.At(dir)}
		dbps := &fleet.PhotoService{Damages: s}
		mk := func() fleet.Damage {
			d := fleet.Damage{VehicleID: w.vehicles[0][0].ID, View: "left", X: 10, Y: 10, Kind: "scratch", Severity: "minor"}
			mustNil(t, s.CreateDamage(ctx, &d))
			return d
		}
		repaired, open := mk(), mk()
		oldFile, err := ps.Add(ctx, repaired.ID, pngPhoto(t))
		mustNil(t, err)
		oldDB, err := dbps.Add(ctx, repaired.ID, pngPhoto(t))
		mustNil(t, err)
		openFile, err := ps.Add(ctx, open.ID, pngPhoto(t))
		mustNil(t, err)
		clk.Advance(10 * 24 * time.Hour)
		mustNil(t, s.MarkRepaired(ctx, repaired.ID, clk.Now(), "lackiert"))
		clk.Advance(300 * 24 * time.Hour)
		recent, err := ps.Add(ctx, repaired.ID, pngPhoto(t)) // taken after the repair: newer than the retention
		mustNil(t, err)
		files := func() int {
			es, err := os.ReadDir(dir)
			mustNil(t, err)
			return len(es)
		}
		if files() != 6 {
			t.Fatalf("files before = %d", files())
		}
		job := &customer.Retention{Store: s, Blobs: photofs.At(dir), Now: clk.Now}
		run, err := job.RunOnce(context.Background())
		mustNil(t, err)
		if run.PhotosDeleted != 0 {
			t.Fatalf("deleted before the retention ended: %+v", run)
		}
		clk.Advance(80 * 24 * time.Hour) // > 365 days after the repair and the old photos
		run, err = job.RunOnce(context.Background())
		mustNil(t, err)
		if run.PhotosDeleted != 2 || run.PhotoFiles != 2 || run.PhotosKept != 0 {
			t.Fatalf("run = %+v", run)
		}
		if _, err := os.Stat(filepath.Join(dir, oldFile.StorageKey)); !os.IsNotExist(err) {
			t.Fatalf("photo file still there: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, oldFile.StorageKey+"-thumb")); !os.IsNotExist(err) {
			t.Fatalf("thumbnail file still there: %v", err)
		}
		for _, keep := range []string{openFile.StorageKey, recent.StorageKey} {
			if _, err := os.Stat(filepath.Join(dir, keep)); err != nil {
				t.Fatalf("kept photo's file gone: %v", err)
			}
		}
		if files() != 4 {
			t.Fatalf("files after = %d", files())
		}
		for id, want := range map[int64]int{oldFile.ID: 0, oldDB.ID: 0, openFile.ID: 1, recent.ID: 1} {
			if got := count(t, s, `SELECT count(*) FROM damage_photos WHERE id = $1`, id); got != want {
				t.Errorf("photo %d rows = %d, want %d", id, got, want)
			}
		}
		if n := count(t, s, `SELECT count(*) FROM audit_log WHERE entity = 'damage' AND entity_id = $1 AND action = 'photos_purged'`, repaired.ID); n != 1 {
			t.Fatalf("audit entries = %d", n)
		}
		run, err = job.RunOnce(context.Background())
		mustNil(t, err)
		if run.PhotosDeleted != 0 || run.PhotoFiles != 0 || files() != 4 {
			t.Fatalf("second run = %+v", run)
		}
		// Without the photo folder configured the job keeps dir photos.
		clk.Advance(400 * 24 * time.Hour)
		mustNil(t, s.MarkRepaired(ctx, open.ID, clk.Now().Add(-380*24*time.Hour), ""))
		run, err = (&customer.Retention{Store: s, Now: clk.Now}).RunOnce(context.Background())
		mustNil(t, err)
		if run.PhotosKept != 2 || run.PhotosDeleted != 0 || files() != 4 {
			t.Fatalf("run without folder = %+v", run)
		}
	})
}

// TestRetentionJobConcurrent runs the job from two stores (as two server
// processes would) on one PostgreSQL database at once, twice: every due
// customer is purged exactly once.
func TestRetentionJobConcurrent(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	clk := &clock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	open := func() *store.Store {
		s, err := store.Open(context.Background(), dsn, store.Options{Now: clk.Now})
		mustNil(t, err)
		t.Cleanup(func() { s.Close() })
		_, err = s.Migrate(context.Background())
		mustNil(t, err)
		return s
	}
	s1, s2 := open(), open()
	w := newWorld(t, s1)
	const n = 30
	var ids []int64
	for ti := range 2 {
		ctx := sys(w.tenants[ti].ID)
		for i := range n / 2 {
			c := testCustomer(t, s1, ctx, fmt.Sprintf("k%d-%d@example.de", ti, i))
			_, err := s1.EraseCustomer(ctx, c.ID)
			mustNil(t, err)
			ids = append(ids, c.ID)
		}
	}
	stillDue := testCustomer(t, s1, sys(w.tenants[0].ID), "later@example.de")
	clk.Advance(24 * time.Hour)
	_, err := s1.EraseCustomer(sys(w.tenants[0].ID), stillDue.ID) // erase_after = the new today: not due
	mustNil(t, err)

	var wg sync.WaitGroup
	runs := make([]customer.RetentionRun, 4)
	errsSeen := make([]error, 4)
	for i := range 4 {
		st := s1
		if i%2 == 1 {
			st = s2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			job := &customer.Retention{Store: st, Now: clk.Now, Batch: 7}
			for range 5 { // several passes each: batches of 7
				r, err := job.RunOnce(context.Background())
				if err != nil {
					errsSeen[i] = err
					return
				}
				runs[i].Purged = append(runs[i].Purged, r.Purged...)
			}
		}()
	}
	wg.Wait()
	total := 0
	for i := range 4 {
		mustNil(t, errsSeen[i])
		total += len(runs[i].Purged)
	}
	if total != n {
		t.Fatalf("purged %d times in total, want %d", total, n)
	}
	for _, id := range ids {
		if got := count(t, s1, `SELECT count(*) FROM audit_log WHERE entity = 'customer' AND entity_id = $1 AND action = 'retention_purge'`, id); got != 1 {
			t.Fatalf("customer %d purged %d times", id, got)
		}
	}
	if got := count(t, s1, `SELECT count(*) FROM customers WHERE id = $1 AND purged_at IS NULL`, stillDue.ID); got != 1 {
		t.Fatal("a customer not due yet was purged")
	}
	again, err := (&customer.Retention{Store: s2, Now: clk.Now}).RunOnce(context.Background())
	mustNil(t, err)
	if len(again.Purged) != 0 {
		t.Fatalf("second pass purged %+v", again.Purged)
	}
}

// crashingBlobs is the photo folder with a bug for one file: deleting it
// panics.
type crashingBlobs struct {
	customer.BlobDeleter
	key   string
	calls int
}

func (c *crashingBlobs) Delete(ctx context.Context, key string) error {
	if key == c.key {
		c.calls++
		panic("test: a bug hit by this photo")
	}
	return c.BlobDeleter.Delete(ctx, key)
}

// TestRetentionJobSurvivesAPoisonPhoto: deleting one expired photo's file
// panics. The pass goes on and deletes the other expired photo, the crash
// is logged with the photo's id and recorded for staff, the next passes
// leave the photo alone for the back-off, and afterwards it is deleted.
func TestRetentionJobSurvivesAPoisonPhoto(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		dir := t.TempDir()
		ps := &fleet.PhotoService{Damages: s, Blobs: photofs.At(dir)}
		d := fleet.Damage{VehicleID: w.vehicles[0][0].ID, View: "left", X: 10, Y: 10, Kind: "scratch", Severity: "minor"}
		mustNil(t, s.CreateDamage(ctx, &d))
		poison, err := ps.Add(ctx, d.ID, pngPhoto(t))
		mustNil(t, err)
		other, err := ps.Add(ctx, d.ID, pngPhoto(t))
		mustNil(t, err)
		mustNil(t, s.MarkRepaired(ctx, d.ID, clk.Now(), "lackiert"))
		clk.Advance(400 * 24 * time.Hour)

		blobs := &crashingBlobs{BlobDeleter: photofs.At(dir), key: poison.StorageKey}
		var logs testenv.SyncBuffer
		rt := &customer.Retention{Store: s, Blobs: blobs, Now: clk.Now, Log: slog.New(slog.NewJSONHandler(&logs, nil)),
			Jobs: &job.Runner{Store: s, Log: slog.New(slog.NewJSONHandler(&logs, nil)), Now: clk.Now}}
		run, err := rt.RunOnce(context.Background())
		mustNil(t, err)
		if run.PhotosDeleted != 1 || run.PhotosKept != 1 {
			t.Fatalf("run = %+v, want the other photo deleted and the poison one kept", run)
		}
		if count(t, s, `SELECT count(*) FROM damage_photos WHERE id = $1`, other.ID) != 0 ||
			count(t, s, `SELECT count(*) FROM damage_photos WHERE id = $1`, poison.ID) != 1 {
			t.Fatal("want the other photo's row gone and the poison photo's row kept")
		}
		list, err := s.JobAttention(ctx, []job.Subject{{Kind: job.KindPhoto, ID: poison.ID}})
		if err != nil || len(list) != 1 || !list[0].Panicked {
			t.Fatalf("attention %+v %v", list, err)
		}
		if !strings.Contains(logs.String(), fmt.Sprintf(`"photo_id":%d`, poison.ID)) || !strings.Contains(logs.String(), `"stack":"goroutine`) {
			t.Errorf("log lacks the photo id or the stack:\n%s", logs.String())
		}
		if _, err := rt.RunOnce(context.Background()); err != nil || blobs.calls != 1 {
			t.Fatalf("during the back-off: %v, tried %d times, want once", err, blobs.calls)
		}
		clk.Advance(2 * time.Minute)
		blobs.key = "" // fixed
		run, err = rt.RunOnce(context.Background())
		mustNil(t, err)
		if run.PhotosDeleted != 1 || count(t, s, `SELECT count(*) FROM damage_photos WHERE id = $1`, poison.ID) != 0 {
			t.Fatalf("after the back-off: %+v", run)
		}
		if list, _ := s.JobAttention(ctx, []job.Subject{{Kind: job.KindPhoto, ID: poison.ID}}); len(list) != 0 {
			t.Errorf("attention %+v after the photo went, want none", list)
		}
	})
}
