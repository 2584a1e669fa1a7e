package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
)

// bulkyRender renders a "PDF" of n incompressible bytes, so the database
// grows like one full of invoice PDFs.
func bulkyRender(n int) func(invoice.Invoice) ([]byte, error) {
	return func(inv invoice.Invoice) ([]byte, error) {
		b := make([]byte, n)
		r := rand.NewChaCha8([32]byte{byte(len(inv.Number)), 7})
		_, _ = r.Read(b)
		copy(b, "%PDF-fake "+inv.Number+"\n")
		return b, nil
	}
}

// TestBackupWhileWriting backs up a SQLite database of ~50 MB of documents
// while 8 goroutines keep issuing invoices (invoice, lines and PDF in one
// transaction each). The backup passes VerifyBackup and holds a consistent
// prefix: invoice numbers 1..n without a gap (they are taken in commit
// order), every invoice with its line and its document. Corrupted copies are
// refused. On PostgreSQL both calls refuse and point to pg_dump.
func TestBackupWhileWriting(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		ctx := context.Background()
		out := filepath.Join(t.TempDir(), "backup.db")
		if s.Dialect() == store.Postgres {
			err := s.BackupTo(ctx, out)
			if !errs.Is(err, errs.KindInvalid) || !strings.Contains(err.Error(), "pg_dump") {
				t.Fatalf("BackupTo on PostgreSQL = %v, want KindInvalid naming pg_dump", err)
			}
			if _, err := s.VerifyBackup(ctx, out); !errs.Is(err, errs.KindInvalid) || !strings.Contains(err.Error(), "pg_dump") {
				t.Fatalf("VerifyBackup on PostgreSQL = %v, want KindInvalid naming pg_dump", err)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a file was written on PostgreSQL: %v", err)
			}
			return
		}
		w := newWorld(t, s)
		tctx := sys(w.tenants[0].ID)
		c := testCustomer(t, s, tctx, "backup@example.de")
		const docSize = 64 << 10
		render := bulkyRender(docSize)
		issue := func() error {
			return s.IssueInvoice(tctx, invoice.IssueRequest{Issued: advanceInvoice(c.ID), Render: render, Loc: time.UTC})
		}

		// seed ~50 MB of documents, 8 writers at a time
		const seed = 800
		var wg sync.WaitGroup
		var next atomic.Int64
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= seed {
					if err := issue(); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}

		// 8 writers keep going while the backup runs; each write's start and end are kept
		type span struct{ start, end time.Time }
		var mu sync.Mutex
		var spans []span
		stop := make(chan struct{})
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					t0 := time.Now()
					if err := issue(); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					spans = append(spans, span{t0, time.Now()})
					mu.Unlock()
				}
			}()
		}
		time.Sleep(100 * time.Millisecond)
		bStart := time.Now()
		err := s.BackupTo(ctx, out)
		bEnd := time.Now()
		time.Sleep(100 * time.Millisecond)
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}

		// the figure asked for: how long a write waited while the backup ran
		var during, maxWait time.Duration
		var nDuring int
		var all []time.Duration
		for _, sp := range spans {
			d := sp.end.Sub(sp.start)
			all = append(all, d)
			if sp.end.After(bStart) && sp.start.Before(bEnd) {
				nDuring++
				during += d
				maxWait = max(maxWait, d)
			}
		}
		slices.Sort(all)
		t.Logf("backup of %d invoices (~%d MB of documents) took %v; %d writes completed overlapping it, longest %v, mean %v; median write outside %v",
			seed, seed*docSize>>20, bEnd.Sub(bStart).Round(time.Millisecond), nDuring, maxWait.Round(time.Millisecond),
			(during / time.Duration(max(nDuring, 1))).Round(time.Microsecond), all[len(all)/2].Round(time.Microsecond))

		info, err := s.VerifyBackup(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		total, err := s.ListInvoices(tctx, invoice.Filter{CustomerID: c.ID})
		mustNil(t, err)
		if info.Invoices < seed || info.Invoices > int64(len(total)) || info.Documents != info.Invoices || info.SchemaVersion < 5 {
			t.Fatalf("backup info %+v: want ≥ %d and ≤ %d invoices, one document each", info, seed, len(total))
		}

		// a consistent prefix: numbers 1..n, each invoice complete
		db, err := sql.Open("sqlite", "file:"+out+"?mode=ro")
		mustNil(t, err)
		defer db.Close()
		rows, err := db.Query(`SELECT i.number, (SELECT count(*) FROM invoice_lines l WHERE l.invoice_id = i.id),
			(SELECT count(*) FROM documents d WHERE d.invoice_id = i.id),
			(SELECT COALESCE(SUM(d.size_bytes), 0) FROM documents d WHERE d.invoice_id = i.id) FROM invoices i`)
		mustNil(t, err)
		var nums []string
		for rows.Next() {
			var num string
			var lines, docs, size int64
			mustNil(t, rows.Scan(&num, &lines, &docs, &size))
			if lines != 1 || docs != 1 || size != docSize {
				t.Errorf("invoice %s in the backup: %d lines, %d documents of %d bytes; want 1, 1, %d", num, lines, docs, size, docSize)
			}
			nums = append(nums, num)
		}
		mustNil(t, rows.Err())
		sort.Strings(nums)
		for i, num := range nums {
			if want := fmt.Sprintf("RE-2026-%06d", i+1); num != want {
				t.Fatalf("backup holds %s where %s belongs: not a prefix of the commits", num, want)
			}
		}
		if _, err := os.Stat(out + "-wal"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("verification left a -wal file: %v", err)
		}

		// a second backup never overwrites the first
		if err := s.BackupTo(ctx, out); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("BackupTo onto an existing backup = %v, want KindInvalid", err)
		}

		data, err := os.ReadFile(out)
		mustNil(t, err)
		for _, tc := range []struct {
			name    string
			corrupt func([]byte) []byte
		}{
			{"truncated to half", func(b []byte) []byte { return b[:len(b)/2] }},
			{"bytes flipped in the middle", func(b []byte) []byte {
				for i := len(b) / 2; i < len(b)/2+64; i++ {
					b[i] ^= 0xa5
				}
				return b
			}},
			{"bytes flipped in the schema page", func(b []byte) []byte {
				for i := 120; i < 4096; i += 7 {
					b[i] ^= 0xff
				}
				return b
			}},
			{"header overwritten", func(b []byte) []byte { copy(b, "not a database at all"); return b }},
			{"empty", func([]byte) []byte { return nil }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := filepath.Join(t.TempDir(), "bad.db")
				mustNil(t, os.WriteFile(p, tc.corrupt(slices.Clone(data)), 0o600))
				if _, err := s.VerifyBackup(ctx, p); !errs.Is(err, errs.KindInvalid) {
					t.Fatalf("VerifyBackup = %v, want KindInvalid", err)
				} else {
					t.Logf("refused: %v", err)
				}
			})
		}
		if _, err := s.VerifyBackup(ctx, filepath.Join(t.TempDir(), "missing.db")); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("VerifyBackup of a missing file = %v, want KindInvalid", err)
		}
	})
}
