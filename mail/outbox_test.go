package mail_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/smtp"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/tenancy"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgres()
	os.Exit(code)
}

// outboxEnv is one database (opened twice, as two processes would) with a tenant.
type outboxEnv struct {
	a, b   *store.Store
	ctx    context.Context
	tenant int64
}

func eachDB(t *testing.T, fn func(t *testing.T, env outboxEnv)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			var dsn string
			if d == "sqlite" {
				dsn = filepath.Join(t.TempDir(), "m.db")
			} else {
				dsn = testenv.PostgresDSN(t)
			}
			open := func() *store.Store {
				s, err := store.Open(context.Background(), dsn, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if _, err := s.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				return s
			}
			env := outboxEnv{a: open(), b: open()}
			tn := tenancy.Tenant{Slug: "t", Name: "Autohaus König", LegalName: "Autohaus König GmbH"}
			if err := env.a.CreateTenant(identity.WithActor(context.Background(), identity.System()), &tn); err != nil {
				t.Fatal(err)
			}
			env.tenant = tn.ID
			env.ctx = identity.WithActor(context.Background(), identity.SystemFor(tn.ID))
			fn(t, env)
		})
	}
}

func queue(t *testing.T, env outboxEnv, n int) {
	t.Helper()
	for i := range n {
		q := mail.Queued{Message: mail.Message{Kind: mail.KindReservationConfirmation, Lang: "de",
			From:    mail.Address{Name: "Autohaus König", Email: "service@autohaus-koenig.de"},
			To:      mail.Address{Name: "Jürgen Weiß", Email: fmt.Sprintf("kunde%d@example.de", i)},
			Subject: fmt.Sprintf("Ihre Reservierung Nr. %d – Bestätigung", i), Text: "Grüße aus Regensburg",
			Attachments: []mail.Attachment{{Filename: "rechnung.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 fake")}}}}
		if err := env.a.QueueEmail(env.ctx, &q); err != nil {
			t.Fatal(err)
		}
	}
}

func smtpTransport(t *testing.T, mp *testenv.Mailpit) mail.Transport {
	t.Helper()
	tr, err := smtp.New(smtp.Config{Host: mp.SMTPHost, Port: mp.SMTPPort, TLS: smtp.TLSNone, ConnectTimeout: 2 * time.Second, SendTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func fastCfg(name string) mail.OutboxConfig {
	return mail.OutboxConfig{Worker: name, Interval: 20 * time.Millisecond, Lease: 30 * time.Second, Batch: 5, MaxAttempts: 50,
		Backoff: func(int) time.Duration { return 50 * time.Millisecond }}
}

// drain runs two workers (on two store handles) until every message is sent
// or the deadline passes.
func drain(t *testing.T, env outboxEnv, tr mail.Transport, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	sys := identity.WithActor(ctx, identity.System())
	var wg sync.WaitGroup
	for i, st := range []*store.Store{env.a, env.b} {
		ob := mail.NewOutbox(st, tr, fastCfg(fmt.Sprintf("w%d", i)), nil, nil)
		wg.Add(1)
		go func() { defer wg.Done(); ob.Run(sys) }()
	}
	for ctx.Err() == nil {
		counts, err := env.a.EmailCounts(env.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts["queued"] == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
}

func uniqueDelivered(t *testing.T, mp *testenv.Mailpit, want int) {
	t.Helper()
	msgs := mp.WaitForMessages(want, 10*time.Second)
	time.Sleep(200 * time.Millisecond) // let any duplicate arrive before counting
	msgs = mp.Messages()
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.MessageID]++
	}
	if len(msgs) != want || len(seen) != want {
		t.Fatalf("mailpit holds %d messages with %d distinct ids, want %d each", len(msgs), len(seen), want)
	}
}

func TestOutboxTwoWorkersExactlyOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, env outboxEnv) {
		mp := testenv.StartMailpit(t)
		queue(t, env, 30)
		drain(t, env, smtpTransport(t, mp), 30*time.Second)
		uniqueDelivered(t, mp, 30)
		list, _, err := env.a.ListEmails(env.ctx, mail.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range list {
			if q.Status != mail.StatusSent || q.Attempts != 1 {
				t.Fatalf("email %d: status %s after %d attempts", q.ID, q.Status, q.Attempts)
			}
		}
		_, atts, err := env.a.Email(env.ctx, list[0].ID)
		if err != nil || len(atts) != 1 || !atts[0].OK || atts[0].Response == "" {
			t.Fatalf("attempts = %+v, %v", atts, err)
		}
	})
}

func TestOutboxSMTPDownForAWhile(t *testing.T) {
	eachDB(t, func(t *testing.T, env outboxEnv) {
		mp := testenv.StartMailpit(t)
		tr := smtpTransport(t, mp)
		mp.Stop()
		queue(t, env, 12)
		// workers try while the server is down: every attempt fails and is recorded
		drain(t, env, tr, 600*time.Millisecond)
		counts, _ := env.a.EmailCounts(env.ctx)
		if counts["queued"] != 12 {
			t.Fatalf("counts while down = %v", counts)
		}
		list, _, _ := env.a.ListEmails(env.ctx, mail.Filter{})
		if list[0].Attempts == 0 || list[0].LastError == "" {
			t.Fatalf("failure not recorded: %+v", list[0])
		}
		mp.Start()
		drain(t, env, tr, 30*time.Second)
		uniqueDelivered(t, mp, 12)
	})
}

// crashingTransport sends for real and then "dies" before the worker can
// mark the message sent, like a process killed right after the SMTP answer.
type crashingTransport struct {
	mail.Transport
	sent atomic.Int32
}

func (c *crashingTransport) Send(ctx context.Context, m mail.Message) (string, error) {
	resp, err := c.Transport.Send(ctx, m)
	c.sent.Add(1)
	<-ctx.Done() // never returns before the worker's context is gone
	return resp, err
}

func TestOutboxWorkerKilled(t *testing.T) {
	eachDB(t, func(t *testing.T, env outboxEnv) {
		mp := testenv.StartMailpit(t)
		tr := smtpTransport(t, mp)
		queue(t, env, 3)
		now := time.Now()
		// Worker A claims two messages and dies before sending them; it claims
		// the third, sends it, and dies before recording it.
		sys := identity.WithActor(context.Background(), identity.System())
		claimed, err := env.a.ClaimEmails(sys, "dead-a", now, time.Minute, 2)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claim: %d, %v", len(claimed), err)
		}
		crash := &crashingTransport{Transport: tr}
		ob := mail.NewOutbox(env.a, crash, mail.OutboxConfig{Worker: "dead-b", Lease: 300 * time.Millisecond, Batch: 1}, nil, nil)
		if n, err := ob.RunOnce(sys); n != 1 || err != nil || crash.sent.Load() != 1 {
			t.Fatalf("crashing worker: %d, %v", n, err)
		}
		// Until the leases run out nobody else sends them.
		later := mail.NewOutbox(env.b, tr, mail.OutboxConfig{Worker: "survivor", Batch: 10}, func() time.Time { return now }, nil)
		if n, _ := later.RunOnce(sys); n != 0 {
			t.Fatalf("leased messages sent by another worker: %d", n)
		}
		// After the leases expire the survivor delivers all three.
		later = mail.NewOutbox(env.b, tr, mail.OutboxConfig{Worker: "survivor", Batch: 10}, func() time.Time { return now.Add(2 * time.Minute) }, nil)
		if n, err := later.RunOnce(sys); n != 3 || err != nil {
			t.Fatalf("after restart: %d, %v", n, err)
		}
		counts, _ := env.a.EmailCounts(env.ctx)
		if counts["sent"] != 3 {
			t.Fatalf("counts = %v", counts)
		}
		// The two never sent arrive once; the one sent before the crash
		// arrives twice with the same Message-ID (at-least-once).
		msgs := mp.WaitForMessages(4, 10*time.Second)
		ids := map[string]int{}
		for _, m := range msgs {
			ids[m.MessageID]++
		}
		if len(msgs) != 4 || len(ids) != 3 {
			t.Fatalf("%d deliveries of %d messages: %v", len(msgs), len(ids), ids)
		}
	})
}

// crashOn is the real SMTP transport with a bug for one recipient: sending
// to it panics (as an emoji once crashed the PDF library).
type crashOn struct {
	mail.Transport
	to    string
	calls atomic.Int32
}

func (c *crashOn) Send(ctx context.Context, m mail.Message) (string, error) {
	if m.To.Email == c.to {
		c.calls.Add(1)
		panic("test: a bug hit by this message")
	}
	return c.Transport.Send(ctx, m)
}

// TestOutboxSurvivesAMessageThatCrashes: a message whose sending panics is
// logged with its id and stack and marked failed with a reference for
// staff (not retried: it is in nobody's way); the other messages of the
// batch and later ones are sent; the worker keeps running.
func TestOutboxSurvivesAMessageThatCrashes(t *testing.T) {
	eachDB(t, func(t *testing.T, env outboxEnv) {
		mp := testenv.StartMailpit(t)
		queue(t, env, 4)
		tr := &crashOn{Transport: smtpTransport(t, mp), to: "kunde1@example.de"}
		var logs testenv.SyncBuffer
		ctx, cancel := context.WithCancel(identity.WithActor(context.Background(), identity.System()))
		ob := mail.NewOutbox(env.a, tr, fastCfg("w"), nil, slog.New(slog.NewJSONHandler(&logs, nil)))
		done := make(chan struct{})
		go func() { defer close(done); ob.Run(ctx) }()
		mp.WaitForMessages(3, 10*time.Second)
		queue(t, env, 1) // a later message still goes out
		ob.Wake()
		if msgs := mp.WaitForMessages(4, 10*time.Second); len(msgs) != 4 {
			t.Fatalf("%d messages delivered, want 4", len(msgs))
		}
		time.Sleep(100 * time.Millisecond) // more passes: the crashed message must not come back
		cancel()
		<-done
		list, _, err := env.a.ListEmails(env.ctx, mail.Filter{Status: string(mail.StatusFailed)})
		if err != nil || len(list) != 1 || list[0].Message.To.Email != "kunde1@example.de" {
			t.Fatalf("failed messages %+v %v, want the one that crashed", list, err)
		}
		if !strings.Contains(list[0].LastError, "Interner Fehler beim Versand (Referenz ") {
			t.Errorf("last error %q, want the internal-error note with a reference", list[0].LastError)
		}
		if n := tr.calls.Load(); n != 1 {
			t.Errorf("the crashing message was tried %d times, want once", n)
		}
		if l := logs.String(); !strings.Contains(l, fmt.Sprintf(`"email_id":%d`, list[0].ID)) || !strings.Contains(l, `"stack":"goroutine`) {
			t.Errorf("log lacks the message id or the stack:\n%s", l)
		}
	})
}
