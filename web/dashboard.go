package web

import (
	"net/http"
	"time"

	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/tenancy"
)

// dashboardData is what the dashboard shows.
type dashboardData struct {
	Now      time.Time
	Stations []tenancy.Station
	Users    int // admins only
	Keys     int // active API keys; admins only
	// FailedEmails counts the e-mails the outbox gave up on that the user
	// may see; -1 when the application runs without an outbox.
	FailedEmails int
	// Attention lists the items the background jobs failed on (admins).
	Attention []attentionRow
	// DisabledWebhooks counts the webhook endpoints switched off after
	// persistent failures (admins only).
	DisabledWebhooks int
}

// dashboard shows the tenant, the stations the user can see and, for
// admins, the number of users and active API keys.
func (a *app) dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := dashboardData{Now: a.Now()}
	var err error
	if d.Stations, err = a.Tenancy.ListStations(ctx); err != nil {
		return err
	}
	d.FailedEmails = -1
	if a.Mail != nil {
		counts, err := a.Mail.EmailCounts(ctx)
		if err != nil {
			return err
		}
		d.FailedEmails = counts[string(mail.StatusFailed)]
	}
	if actorOf(r).IsAdmin() {
		users, err := a.Users.ListUsers(ctx)
		if err != nil {
			return err
		}
		d.Users = len(users)
		keys, err := a.Users.ListAPIClients(ctx)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.RevokedAt == nil {
				d.Keys++
			}
		}
		if a.Attention != nil {
			list, err := a.Attention.ListJobAttention(ctx, 50)
			if err != nil {
				return err
			}
			d.Attention = a.attentionRows(r, list)
		}
		if a.Webhooks != nil {
			if d.DisabledWebhooks, err = a.Webhooks.DisabledEndpoints(ctx); err != nil {
				return err
			}
		}
	}
	a.render(w, r, http.StatusOK, "dashboard", &view{Title: "dash.title", Nav: "dashboard", Data: d})
	return nil
}
