package store_test

import (
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/mail"
)

// TestEmailDisplayNamesStoredAsTyped: sender, reply-to and recipient names
// ending in a backslash or holding quotes (ASCII or not) come back from
// the outbox exactly as queued, so the message can be sent (a name stored
// unreadably used to come back as an invalid address: a permanent failure).
func TestEmailDisplayNamesStoredAsTyped(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		names := []string{`Autohaus König \`, `Eva "Evi" Huber \`, `Müller \ Söhne`, `„Kö"nig“`, `O'Brien "the \ one"`}
		for i, n := range names {
			q := mail.Queued{Message: mail.Message{Kind: mail.KindReservationConfirmation, Lang: "de",
				From: mail.Address{Name: n, Email: "info@autohaus.example"}, ReplyTo: mail.Address{Name: n, Email: "sued@autohaus.example"},
				To: mail.Address{Name: n, Email: "kunde@example.de"}, Subject: "Bestätigung", Text: "Hallo"}}
			mustNil(t, s.QueueEmail(ctx, &q))
			got, _, err := s.Email(ctx, q.ID)
			mustNil(t, err)
			m := got.Message
			if m.From.Name != n || m.ReplyTo.Name != n || m.To.Name != n || m.From.Email != "info@autohaus.example" {
				t.Errorf("%d %q: from %+v reply-to %+v to %+v", i, n, m.From, m.ReplyTo, m.To)
			}
			if err := m.Validate(); err != nil {
				t.Errorf("%q: stored message does not validate: %v", n, err)
			}
		}
		claimed, err := s.ClaimEmails(sys(0), "w1", clk.Now().Add(time.Minute), time.Minute, 10)
		mustNil(t, err)
		if len(claimed) != len(names) {
			t.Fatalf("claimed %d", len(claimed))
		}
		for _, q := range claimed {
			if err := q.Message.Validate(); err != nil {
				t.Errorf("claimed %+v: %v", q.Message.From, err)
			}
		}
	})
}
