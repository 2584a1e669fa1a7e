package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/webhook"
)

// webhookForm is the endpoint form as entered.
type webhookForm struct {
	URL, Description string
	Events           map[webhook.Type]bool
	Test             bool
}

func formOf(e webhook.Endpoint) webhookForm {
	f := webhookForm{URL: e.URL, Description: e.Description, Test: e.Test, Events: map[webhook.Type]bool{}}
	for _, t := range e.Events {
		f.Events[t] = true
	}
	return f
}

// readWebhookForm reads the endpoint form; unknown event names are kept
// for the service to refuse.
func readWebhookForm(r *http.Request) (webhookForm, webhook.Input) {
	f := webhookForm{URL: r.PostForm.Get("url"), Description: r.PostForm.Get("description"), Test: r.PostForm.Get("test") == "1",
		Events: map[webhook.Type]bool{}}
	in := webhook.Input{URL: f.URL, Description: f.Description, Test: f.Test}
	for _, v := range r.PostForm["events"] {
		t := webhook.Type(v)
		if !f.Events[t] {
			f.Events[t] = true
			in.Events = append(in.Events, t)
		}
	}
	return f, in
}

// webhooksData is what the list page shows. Created is set only on the
// answer to a create: the one time its secret is shown.
type webhooksData struct {
	Endpoints []webhook.Endpoint
	Created   *webhook.Endpoint
	Form      webhookForm
	Types     []webhook.Type
}

func (a *app) webhookList(w http.ResponseWriter, r *http.Request) error {
	v := &view{}
	switch r.URL.Query().Get("done") {
	case "deleted":
		v.Notice = translate(reqCtx(r).lang, "webhook.deleted")
	}
	a.renderWebhooks(w, r, http.StatusOK, v, webhooksData{Form: webhookForm{Events: map[webhook.Type]bool{}}})
	return nil
}

func (a *app) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, v *view, d webhooksData) {
	eps, err := a.Webhooks.List(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d.Endpoints, d.Types = eps, webhook.Types
	v.Title, v.Nav, v.Data = "webhook.title", "webhooks", d
	a.render(w, r, status, "webhooks", v)
}

// webhookCreate makes an endpoint and shows its secret exactly once, in
// this answer (never in a URL, never again).
func (a *app) webhookCreate(w http.ResponseWriter, r *http.Request) error {
	f, in := readWebhookForm(r)
	ep, err := a.Webhooks.Create(r.Context(), in)
	if err != nil {
		if m, ok := fieldErrors(reqCtx(r).lang, err); ok {
			a.renderWebhooks(w, r, http.StatusUnprocessableEntity, &view{Errors: m}, webhooksData{Form: f})
			return nil
		}
		return err
	}
	a.log.InfoContext(r.Context(), "webhook endpoint created", "endpoint_id", ep.ID, "request_id", requestID(r))
	a.renderWebhooks(w, r, http.StatusOK, &view{}, webhooksData{Created: &ep, Form: webhookForm{Events: map[webhook.Type]bool{}}})
	return nil
}

// endpointFor loads the endpoint of the {id} path value (404 page when it
// is not the tenant's).
func (a *app) endpointFor(r *http.Request) (webhook.Endpoint, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		ep, err := a.Webhooks.Get(r.Context(), id)
		if err == nil {
			return ep, nil
		}
		if !errs.Is(err, errs.KindNotFound) {
			return webhook.Endpoint{}, err
		}
	}
	return webhook.Endpoint{}, errNotFound
}

// deliveryRow is one delivery as the log shows it.
type deliveryRow struct {
	D                  webhook.Delivery
	Occurred, NextTime string
}

// webhookData is what an endpoint's page shows.
type webhookData struct {
	E        webhook.Endpoint
	Form     webhookForm
	Types    []webhook.Type
	Rows     []deliveryRow
	Status   string
	Statuses []string
	Total    int
	Page     int
	Pages    int
	PrevURL  string
	NextURL  string
}

// StatusURL is the log filtered by status s ("" = all).
func (d webhookData) StatusURL(s string) string {
	u := fmt.Sprintf("/admin/webhooks/%d", d.E.ID)
	if s != "" {
		u += "?status=" + url.QueryEscape(s)
	}
	return u
}

const deliveriesPerPage = 25

func (a *app) webhookPage(w http.ResponseWriter, r *http.Request) error {
	ep, err := a.endpointFor(r)
	if err != nil {
		return err
	}
	v := &view{}
	if k := map[string]locale.Key{"saved": "webhook.saved", "enabled": "webhook.enabled_ok", "disabled": "webhook.disabled_ok"}[r.URL.Query().Get("done")]; k != "" {
		v.Notice = translate(reqCtx(r).lang, k)
	}
	a.renderWebhook(w, r, http.StatusOK, v, ep, formOf(ep))
	return nil
}

func (a *app) renderWebhook(w http.ResponseWriter, r *http.Request, status int, v *view, ep webhook.Endpoint, f webhookForm) {
	q := r.URL.Query()
	d := webhookData{E: ep, Form: f, Types: webhook.Types, Statuses: []string{"", string(webhook.StatusPending),
		string(webhook.StatusDelivered), string(webhook.StatusFailed)}}
	switch st := webhook.Status(q.Get("status")); st {
	case webhook.StatusPending, webhook.StatusDelivered, webhook.StatusFailed:
		d.Status = string(st)
	}
	d.Page, _ = strconv.Atoi(q.Get("page"))
	d.Page = max(d.Page, 1)
	rows, total, err := a.Webhooks.Deliveries(r.Context(), webhook.DeliveryFilter{EndpointID: ep.ID, Status: webhook.Status(d.Status),
		Limit: deliveriesPerPage, Offset: (d.Page - 1) * deliveriesPerPage})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	lang := reqCtx(r).lang
	for _, x := range rows {
		row := deliveryRow{D: x, Occurred: formatTime(lang, x.OccurredAt, berlin)}
		if x.Status == webhook.StatusPending {
			row.NextTime = formatTime(lang, x.NextAttemptAt, berlin)
		}
		d.Rows = append(d.Rows, row)
	}
	d.Total, d.Pages = total, max(1, (total+deliveriesPerPage-1)/deliveriesPerPage)
	page := func(n int) string {
		u := d.StatusURL(d.Status)
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		return u + sep + "page=" + strconv.Itoa(n)
	}
	if d.Page > 1 {
		d.PrevURL = page(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = page(d.Page + 1)
	}
	v.Title, v.Nav, v.Data = "webhook.title", "webhooks", d
	a.render(w, r, status, "webhook", v)
}

func (a *app) webhookUpdate(w http.ResponseWriter, r *http.Request) error {
	ep, err := a.endpointFor(r)
	if err != nil {
		return err
	}
	f, in := readWebhookForm(r)
	if _, err := a.Webhooks.Update(r.Context(), ep.ID, in); err != nil {
		if m, ok := fieldErrors(reqCtx(r).lang, err); ok {
			a.renderWebhook(w, r, http.StatusUnprocessableEntity, &view{Errors: m}, ep, f)
			return nil
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/webhooks/%d?done=saved", ep.ID), http.StatusSeeOther)
	return nil
}

func (a *app) webhookSetEnabled(on bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		ep, err := a.endpointFor(r)
		if err != nil {
			return err
		}
		if err := a.Webhooks.SetEnabled(r.Context(), ep.ID, on); err != nil {
			return err
		}
		done := "disabled"
		if on {
			done = "enabled"
		}
		http.Redirect(w, r, fmt.Sprintf("/admin/webhooks/%d?done=%s", ep.ID, done), http.StatusSeeOther)
		return nil
	}
}

func (a *app) webhookDeleteConfirm(w http.ResponseWriter, r *http.Request) error {
	ep, err := a.endpointFor(r)
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "webhook_delete", &view{Title: "webhook.delete_title", Nav: "webhooks", Data: ep})
	return nil
}

func (a *app) webhookDelete(w http.ResponseWriter, r *http.Request) error {
	ep, err := a.endpointFor(r)
	if err != nil {
		return err
	}
	if err := a.Webhooks.Delete(r.Context(), ep.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/webhooks?done=deleted", http.StatusSeeOther)
	return nil
}

// hookAttemptRow is one attempt as the delivery page shows it.
type hookAttemptRow struct {
	A  webhook.Attempt
	At string
	MS int64
}

// deliveryData is what a delivery's page shows.
type deliveryData struct {
	D         webhook.Delivery
	Attempts  []hookAttemptRow
	Payload   string // indented for reading; the bytes sent are the stored ones
	Occurred  string
	Next      string
	CanResend bool
}

func (a *app) loadDelivery(r *http.Request) (deliveryData, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return deliveryData{}, errNotFound
	}
	d, atts, body, err := a.Webhooks.Delivery(r.Context(), id)
	if errs.Is(err, errs.KindNotFound) {
		return deliveryData{}, errNotFound
	}
	if err != nil {
		return deliveryData{}, err
	}
	lang := reqCtx(r).lang
	out := deliveryData{D: d, Occurred: formatTime(lang, d.OccurredAt, berlin), CanResend: d.Status != webhook.StatusPending}
	if d.Status == webhook.StatusPending {
		out.Next = formatTime(lang, d.NextAttemptAt, berlin)
	}
	for _, x := range atts {
		out.Attempts = append(out.Attempts, hookAttemptRow{A: x, At: formatTime(lang, x.At, berlin), MS: x.Duration.Milliseconds()})
	}
	var pretty bytes.Buffer
	if len(body) > 0 && json.Indent(&pretty, body, "", "  ") == nil {
		out.Payload = pretty.String()
	}
	return out, nil
}

func (a *app) webhookDelivery(w http.ResponseWriter, r *http.Request) error {
	d, err := a.loadDelivery(r)
	if err != nil {
		return err
	}
	v := &view{Title: "webhook.delivery", Nav: "webhooks", Data: d}
	if r.URL.Query().Get("done") == "resent" {
		v.Notice = translate(reqCtx(r).lang, "webhook.resent")
	}
	a.render(w, r, http.StatusOK, "webhook_delivery", v)
	return nil
}

// webhookResend sends a delivered or failed delivery again now (same id
// and body); a pending one is refused with the page and a message.
func (a *app) webhookResend(w http.ResponseWriter, r *http.Request) error {
	d, err := a.loadDelivery(r)
	if err != nil {
		return err
	}
	err = a.Webhooks.Resend(r.Context(), d.D.ID)
	if errs.Is(err, errs.KindConflict) {
		a.render(w, r, http.StatusConflict, "webhook_delivery", &view{Title: "webhook.delivery", Nav: "webhooks", Data: d,
			Alert: errs.Text(locale.Lang(reqCtx(r).lang), err)})
		return nil
	}
	if err != nil {
		return err
	}
	a.log.InfoContext(r.Context(), "webhook delivery sent again by staff", "delivery_id", d.D.ID, "request_id", requestID(r))
	http.Redirect(w, r, fmt.Sprintf("/admin/webhook-deliveries/%d?done=resent", d.D.ID), http.StatusSeeOther)
	return nil
}

// TypeLabel names an event type in the page's language.
func (v *view) TypeLabel(t webhook.Type) string { return v.T("webhook.type." + string(t)) }

// Answer says what the last attempt of a delivery got: "HTTP 503", or
// "no answer" and why.
func (v *view) Answer(status int, errText string) string {
	if status != 0 {
		return "HTTP " + strconv.Itoa(status)
	}
	if errText == "" {
		return v.T("common.none")
	}
	return v.T("webhook.no_answer") + ": " + errText
}

// Millis renders an attempt's duration in milliseconds.
func (v *view) Millis(ms int64) string { return strconv.FormatInt(ms, 10) + " ms" }

// Count translates the plural text key for n things.
func (v *view) Count(key string, n int) string {
	return locale.Lang(v.Lang).T(locale.Key(key), locale.Params{"n": n})
}
