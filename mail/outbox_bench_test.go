package mail_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/smtp"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/tenancy"
)

// BenchmarkOutboxThroughput measures how many messages per second the
// outbox delivers to a real SMTP server (mailpit) with one and with two
// workers (each on its own store handle, as two processes), on SQLite and
// PostgreSQL, with the production worker settings (batches of 10 sent
// concurrently). Each iteration queues 100 messages (not timed) and times
// until all are recorded as sent. Run with
//
//	go test -run '^$' -bench OutboxThroughput -benchtime 5x ./mail/
func BenchmarkOutboxThroughput(b *testing.B) {
	const perRound = 100
	mp := testenv.StartMailpit(b)
	tr, err := smtp.New(smtp.Config{Host: mp.SMTPHost, Port: mp.SMTPPort, TLS: smtp.TLSNone})
	if err != nil {
		b.Fatal(err)
	}
	for _, db := range []string{"sqlite", "postgres"} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", db, workers), func(b *testing.B) {
				dsn := filepath.Join(b.TempDir(), "m.db")
				if db == "postgres" {
					dsn = testenv.PostgresDSN(b)
				}
				stores := make([]*store.Store, workers)
				for i := range stores {
					s, err := store.Open(context.Background(), dsn, store.Options{})
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { s.Close() })
					if _, err := s.Migrate(context.Background()); err != nil {
						b.Fatal(err)
					}
					stores[i] = s
				}
				tn := tenancy.Tenant{Slug: "t", Name: "Autohaus König", LegalName: "Autohaus König GmbH"}
				if err := stores[0].CreateTenant(identity.WithActor(context.Background(), identity.System()), &tn); err != nil {
					b.Fatal(err)
				}
				tctx := identity.WithActor(context.Background(), identity.SystemFor(tn.ID))
				sys := identity.WithActor(context.Background(), identity.System())
				pdf := make([]byte, 40<<10) // a typical invoice PDF
				var elapsed time.Duration
				for b.Loop() {
					b.StopTimer()
					for i := range perRound {
						q := mail.Queued{Message: mail.Message{Kind: mail.KindAdvanceInvoice, Lang: "de",
							From:    mail.Address{Name: "Autohaus König", Email: "service@autohaus-koenig.de"},
							To:      mail.Address{Name: "Jürgen Weiß", Email: fmt.Sprintf("k%d@example.de", i)},
							Subject: "Ihre Rechnung", Text: "Guten Tag,\nanbei Ihre Rechnung.", HTML: "<p>Guten Tag,</p><p>anbei Ihre Rechnung.</p>",
							Attachments: []mail.Attachment{{Filename: "rechnung.pdf", ContentType: "application/pdf", Data: pdf}}}}
						if err := stores[0].QueueEmail(tctx, &q); err != nil {
							b.Fatal(err)
						}
					}
					b.StartTimer()
					start := time.Now()
					var wg sync.WaitGroup
					for i, s := range stores {
						ob := mail.NewOutbox(s, tr, mail.OutboxConfig{Worker: fmt.Sprintf("bench-%d", i)}, nil, nil)
						wg.Add(1)
						go func() {
							defer wg.Done()
							for {
								n, err := ob.RunOnce(sys)
								if err != nil {
									b.Error(err)
									return
								}
								if n == 0 {
									return
								}
							}
						}()
					}
					wg.Wait()
					elapsed += time.Since(start)
					b.StopTimer()
					counts, err := stores[0].EmailCounts(tctx)
					if err != nil || counts["queued"] != 0 || counts["failed"] != 0 {
						b.Fatalf("after the round: %v, %v", counts, err)
					}
					mp.DeleteAll()
					b.StartTimer()
				}
				b.ReportMetric(float64(b.N*perRound)/elapsed.Seconds(), "msgs/s")
			})
		}
	}
}
