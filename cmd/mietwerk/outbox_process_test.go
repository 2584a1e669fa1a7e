package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/textproto"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/tenancy"
)

// outboxDB is the SQLite database of a server's data directory, opened by
// the test as a second process would, with one tenant.
type outboxDB struct {
	dir string
	st  *store.Store
	ctx context.Context // acting as the system for the tenant
}

func newOutboxDB(t *testing.T) *outboxDB {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "mietwerk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	tn := tenancy.Tenant{Slug: "koenig", Name: "Autohaus König", LegalName: "Autohaus König GmbH"}
	if err := st.CreateTenant(identity.WithActor(context.Background(), identity.System()), &tn); err != nil {
		t.Fatal(err)
	}
	return &outboxDB{dir: dir, st: st, ctx: identity.WithActor(context.Background(), identity.SystemFor(tn.ID))}
}

// queue puts n messages in the outbox as business code does.
func (d *outboxDB) queue(t *testing.T, n int, prefix string) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for i := range n {
		q := mail.Queued{Message: mail.Message{Kind: mail.KindReservationConfirmation, Lang: "de",
			From:    mail.Address{Name: "Autohaus König", Email: "service@autohaus-koenig.de"},
			To:      mail.Address{Name: "Jürgen Weiß", Email: fmt.Sprintf("%s%d@example.de", prefix, i)},
			Subject: fmt.Sprintf("Ihre Reservierung %s-%d", prefix, i), Text: "Guten Tag,\nIhre Reservierung ist bestätigt.",
			Attachments: []mail.Attachment{{Filename: "rechnung.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7 Rechnung")}}}}
		if err := d.st.QueueEmail(d.ctx, &q); err != nil {
			t.Fatal(err)
		}
		ids[q.Message.MessageID] = true
	}
	return ids
}

func (d *outboxDB) list(t *testing.T) []mail.Queued {
	t.Helper()
	list, _, err := d.st.ListEmails(d.ctx, mail.Filter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// serveSMTP starts `mietwerk serve` on the data directory with SMTP
// delivery to 127.0.0.1:port.
func serveSMTP(t *testing.T, dir string, port int) *proc {
	t.Helper()
	return start(t, childEnv(), "serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--secure-cookies=false",
		"--mail-transport", "smtp", "--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(port), "--smtp-tls", "none",
		"--mail-retry-delay", "3s")
}

// TestProcessOutboxKilledWhileSMTPDown queues messages while the SMTP
// server is down, lets a server process fail on them, kills it (SIGKILL),
// starts the SMTP server and a new process: every message arrives exactly
// once.
func TestProcessOutboxKilledWhileSMTPDown(t *testing.T) {
	db := newOutboxDB(t)
	mp := testenv.StartMailpit(t)
	mp.Stop()
	want := db.queue(t, 20, "kill")

	p := serveSMTP(t, db.dir, mp.SMTPPort)
	testenv.WaitFor(t, 30*time.Second, "every message tried once while the SMTP server is down", func() bool {
		for _, q := range db.list(t) {
			if q.Attempts == 0 {
				return false
			}
		}
		return true
	})
	// Kill between two retry rounds (the retry delay is 3 s), so that no
	// message is left leased to the dead process.
	var locked int
	if err := db.st.DB().QueryRow(`SELECT count(*) FROM emails WHERE locked_until IS NOT NULL`).Scan(&locked); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	for _, q := range db.list(t) {
		if q.Status != mail.StatusQueued || q.LastError == "" {
			t.Fatalf("message %d after the failed attempts: %s, last error %q", q.ID, q.Status, q.LastError)
		}
	}
	if locked != 0 {
		t.Logf("%d messages were leased when the process was killed; they wait for the lease to run out", locked)
	}

	mp.Start()
	p2 := serveSMTP(t, db.dir, mp.SMTPPort)
	testenv.WaitFor(t, 60*time.Second, "all messages sent after the restart", func() bool {
		for _, q := range db.list(t) {
			if q.Status != mail.StatusSent {
				return false
			}
		}
		return true
	})
	p2.stop()
	mp.WaitForMessages(len(want), 10*time.Second)
	time.Sleep(300 * time.Millisecond) // a duplicate would arrive now
	got := map[string]int{}
	for _, m := range mp.Messages() {
		got["<"+strings.Trim(m.MessageID, "<>")+">"]++
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("message %s delivered %d times", id, got[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("mailpit holds %d distinct messages, want %d", len(got), len(want))
	}
}

// slowSMTP is a minimal SMTP server that holds back its answer to the end
// of DATA for delay, to have sends in flight when a process stops.
type slowSMTP struct {
	ln     net.Listener
	delay  time.Duration
	mu     sync.Mutex
	ids    map[string]int // Message-ID → deliveries answered 250
	inData chan string    // Message-ID of each message whose DATA is complete
}

func startSlowSMTP(t *testing.T, delay time.Duration) *slowSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &slowSMTP{ln: ln, delay: delay, ids: map[string]int{}, inData: make(chan string, 100)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *slowSMTP) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *slowSMTP) setDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

func (s *slowSMTP) deliveries() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.ids {
		out[k] = v
	}
	return out
}

func (s *slowSMTP) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	reply := func(format string, args ...any) { tp.PrintfLine(format, args...) }
	reply("220 slow.test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch cmd {
		case "EHLO":
			reply("250-slow.test")
			reply("250 8BITMIME")
		case "DATA":
			reply("354 go ahead")
			body, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			hdr, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(body))).ReadMIMEHeader()
			id := hdr.Get("Message-Id")
			s.inData <- id
			s.mu.Lock()
			d := s.delay
			s.mu.Unlock()
			time.Sleep(d)
			s.mu.Lock()
			s.ids[id]++
			s.mu.Unlock()
			reply("250 2.0.0 Ok: queued as %d", time.Now().UnixNano())
		case "QUIT":
			reply("221 bye")
			return
		default: // HELO, MAIL, RCPT, RSET, NOOP
			reply("250 ok")
		}
	}
}

// TestProcessOutboxGracefulShutdown stops a server with SIGTERM while its
// messages wait for the SMTP server's answer: the sends finish and are
// recorded as sent before the process exits, and a restarted process does
// not send them again (it does send a message queued meanwhile).
func TestProcessOutboxGracefulShutdown(t *testing.T) {
	db := newOutboxDB(t)
	srv := startSlowSMTP(t, 3*time.Second)
	first := db.queue(t, 3, "term")
	p := serveSMTP(t, db.dir, srv.port())
	inFlight := map[string]bool{}
	timeout := time.After(30 * time.Second)
	for len(inFlight) < len(first) {
		select {
		case id := <-srv.inData:
			inFlight[id] = true
		case <-timeout:
			t.Fatalf("only %d of %d messages reached DATA", len(inFlight), len(first))
		}
	}
	if got := srv.deliveries(); len(got) != 0 {
		t.Fatalf("answers given before SIGTERM: %v", got)
	}
	p.stop() // SIGTERM while all three wait for the server's answer
	for _, q := range db.list(t) {
		if q.Status != mail.StatusSent || q.Attempts != 1 {
			t.Fatalf("message %d after the graceful stop: %s after %d attempts", q.ID, q.Status, q.Attempts)
		}
		_, atts, err := db.st.Email(db.ctx, q.ID)
		if err != nil || len(atts) != 1 || !atts[0].OK || !strings.Contains(atts[0].Response, "Ok: queued") {
			t.Fatalf("attempts of %d: %+v, %v", q.ID, atts, err)
		}
	}

	srv.setDelay(0)
	second := db.queue(t, 1, "later")
	p2 := serveSMTP(t, db.dir, srv.port())
	testenv.WaitFor(t, 30*time.Second, "the message queued meanwhile is sent", func() bool {
		for id := range second {
			if srv.deliveries()[id] == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(1500 * time.Millisecond) // more than the outbox interval: a re-send would happen now
	p2.stop()
	got := srv.deliveries()
	for id := range first {
		if got[id] != 1 {
			t.Errorf("in-flight message %s delivered %d times", id, got[id])
		}
	}
	for id := range second {
		if got[id] != 1 {
			t.Errorf("later message %s delivered %d times", id, got[id])
		}
	}
}
