package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payment"
)

// AttentionStore is what the admin UI needs of the background jobs'
// attention records (items a job failed on): the ones of a page's items,
// the tenant's list for the dashboard, and the staff actions. The store
// scopes every call by the actor.
type AttentionStore interface {
	JobAttention(ctx context.Context, subjects []job.Subject) ([]job.Attention, error)
	ListJobAttention(ctx context.Context, limit int) ([]job.Attention, error)
	RetryJobItem(ctx context.Context, id int64) error
	DismissJobItem(ctx context.Context, id int64) error
}

// attentionRow is one record as a page shows it.
type attentionRow struct {
	ID      int64
	Text    string // what failed, in the page's language
	Detail  string // failures, reference, next attempt
	Crashed bool
	Link    string // the item's page ("" when it has none)
	Subject string // what the item is, e.g. "Buchung 17"
}

// attention returns the visible records of the given items (nil without
// an AttentionStore). Failing to read them only logs: the page still
// shows.
func (a *app) attention(r *http.Request, subjects ...job.Subject) []attentionRow {
	if a.Attention == nil || len(subjects) == 0 {
		return nil
	}
	list, err := a.Attention.JobAttention(r.Context(), subjects)
	if err != nil {
		a.log.ErrorContext(r.Context(), "web: attention records not read", "err", err)
		return nil
	}
	return a.attentionRows(r, list)
}

func (a *app) attentionRows(r *http.Request, list []job.Attention) []attentionRow {
	lang := reqCtx(r).lang
	var out []attentionRow
	for _, x := range list {
		if !x.Visible() {
			continue
		}
		row := attentionRow{ID: x.ID, Crashed: x.Panicked, Text: translate(lang, locale.Key("att.job."+x.Job)),
			Subject: strings.TrimSpace(translate(lang, locale.Key("att.kind."+x.Subject.Kind)) + " " + x.Label)}
		next := formatTime(lang, x.RetryAfter, berlin)
		if x.Panicked {
			row.Detail = translate(lang, "att.crashed", x.Ref, next)
		} else {
			row.Detail = translate(lang, "att.failed", x.Failures, formatTime(lang, x.LastAt, berlin), x.Ref, next)
		}
		target := x.Subject
		if target.Kind == job.KindPayment {
			target = x.Parent
		}
		switch id := strconv.FormatInt(target.ID, 10); target.Kind {
		case job.KindReservation:
			row.Link = "/admin/reservations/" + id
		case job.KindContract:
			row.Link = "/admin/contracts/" + id
		case job.KindCustomer:
			row.Link = "/admin/customers/" + id
		}
		out = append(out, row)
	}
	return out
}

// attentionSubjects are a booking's or contract's items the jobs work on:
// itself and its payments.
func attentionSubjects(kind string, id int64, payments []payment.Record) []job.Subject {
	out := []job.Subject{{Kind: kind, ID: id}}
	for _, p := range payments {
		out = append(out, job.Subject{Kind: job.KindPayment, ID: p.ID})
	}
	return out
}

// attentionAction makes the job try the item again now (retry) or deletes
// the record (dismiss), then goes back to the page the form names.
func (a *app) attentionAction(retry bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, ok := pathID(r, "id")
		if !ok || a.Attention == nil {
			return errNotFound
		}
		var err error
		if retry {
			err = a.Attention.RetryJobItem(r.Context(), id)
		} else {
			err = a.Attention.DismissJobItem(r.Context(), id)
		}
		if err != nil {
			return err
		}
		back, err := url.Parse(safeNext(r.PostFormValue("back")))
		if err != nil || back.Path == "" {
			back = &url.URL{Path: "/admin/"}
		}
		q := back.Query()
		q.Set("att", map[bool]string{true: "retried", false: "dismissed"}[retry])
		back.RawQuery = q.Encode()
		http.Redirect(w, r, back.RequestURI(), http.StatusSeeOther)
		return nil
	}
}
