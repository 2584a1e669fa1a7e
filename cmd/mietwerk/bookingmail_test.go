package main

import (
	"testing"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/tenancy"
)

// TestMailerSender: the sender follows station, then tenant, then
// --mail-from; replies go to the station when nothing else is set.
func TestMailerSender(t *testing.T) {
	r, err := mailtmpl.New()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name                    string
		tenantFrom, stationFrom string
		stationEmail            string
		wantFrom, wantReply     string
	}{
		{"station sender", "info@koenig.de", "reg@koenig.de", "reg@koenig.de", "reg@koenig.de", ""},
		{"tenant sender", "info@koenig.de", "", "reg@koenig.de", "info@koenig.de", "reg@koenig.de"},
		{"fallback sender", "", "", "reg@koenig.de", "noreply@mietwerk.example", "reg@koenig.de"},
		{"nothing to reply to", "", "", "", "noreply@mietwerk.example", ""},
	}
	for _, c := range cases {
		m := booking.MailContext{
			Tenant:   tenancy.Tenant{ID: 1, Name: "Autohaus König", MailFrom: c.tenantFrom},
			Station:  tenancy.Station{MailFrom: c.stationFrom, Email: c.stationEmail},
			Customer: customer.Customer{Email: "k@example.de", FirstName: "K", LastName: "L"},
		}
		env := bookingMailer{r: r, fallback: "noreply@mietwerk.example"}.env(m)
		if env.From.Email != c.wantFrom || env.From.Name != "Autohaus König" || env.ReplyTo.Email != c.wantReply {
			t.Errorf("%s: from %v reply %v, want %s / %s", c.name, env.From, env.ReplyTo, c.wantFrom, c.wantReply)
		}
	}
}
