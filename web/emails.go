package web

import (
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
)

// emailsPageSize is how many messages one page of the list shows.
const emailsPageSize = 25

// emailStatuses are the status filters the list offers ("" = all).
var emailStatuses = []string{"", string(mail.StatusFailed), string(mail.StatusQueued), string(mail.StatusSent)}

// emailHTMLPolicy is the Content-Security-Policy of a message's HTML body
// shown in the detail page's iframe: nothing may load or run (no scripts,
// no remote images, fonts, forms or plugins), only inline styles and
// embedded data: images; the document is sandboxed (opaque origin, no
// scripts, no top navigation) and may be framed by this origin only.
const emailHTMLPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; " +
	"base-uri 'none'; frame-ancestors 'self'; sandbox"

// withMail answers 404 when the application runs without an outbox store.
func (a *app) withMail(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if a.Mail == nil {
			return errNotFound
		}
		return h(w, r)
	}
}

// emailRow is one message of the list, with its times already rendered in
// its station's time zone.
type emailRow struct {
	Q             mail.Queued
	Created, Sent string
	LastError     string // shortened for the table
}

// emailListData is what the list page shows.
type emailListData struct {
	Rows        []emailRow
	Status      string
	Statuses    []string
	Counts      map[string]int
	Total       int
	Page, Pages int
	PrevURL     string
	NextURL     string
}

// emailListURL is the list URL of a status filter and page.
func emailListURL(status string, page int) string {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "/admin/emails"
	}
	return "/admin/emails?" + q.Encode()
}

// StatusURL is the list URL of status, page 1, for the filter links.
func (d emailListData) StatusURL(status string) string { return emailListURL(status, 1) }

// emailList shows the messages the user may see, newest first, filtered by
// ?status= and paged by ?page= (1-based). An unknown status or page is a
// 400 page that says so.
func (a *app) emailList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := emailListData{Status: q.Get("status"), Statuses: emailStatuses, Page: 1}
	if !validEmailStatus(d.Status) {
		return pageError{http.StatusBadRequest, "mail.bad_status"}
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1_000_000 {
			return pageError{http.StatusBadRequest, "mail.bad_page"}
		}
		d.Page = n
	}
	list, total, err := a.Mail.ListEmails(ctx, mail.Filter{Status: d.Status, Limit: emailsPageSize, Offset: (d.Page - 1) * emailsPageSize})
	if err != nil {
		return err
	}
	if d.Counts, err = a.Mail.EmailCounts(ctx); err != nil {
		return err
	}
	zones, err := a.stationZones(r)
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	d.Total = total
	d.Pages = max(1, (total+emailsPageSize-1)/emailsPageSize)
	if d.Page > 1 {
		d.PrevURL = emailListURL(d.Status, min(d.Page-1, d.Pages))
	}
	if d.Page < d.Pages {
		d.NextURL = emailListURL(d.Status, d.Page+1)
	}
	for _, m := range list {
		loc := zones.of(m.StationID)
		row := emailRow{Q: m, Created: formatTime(lang, m.CreatedAt, loc), LastError: shorten(m.LastError, 140)}
		if m.SentAt != nil {
			row.Sent = formatTime(lang, *m.SentAt, loc)
		}
		d.Rows = append(d.Rows, row)
	}
	a.render(w, r, http.StatusOK, "emails", &view{Title: "mail.title", Nav: "emails", Data: d})
	return nil
}

func validEmailStatus(s string) bool {
	for _, x := range emailStatuses {
		if s == x {
			return true
		}
	}
	return false
}

// shorten cuts s to at most n runes, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// zoneMap gives the time zone of each station the user can see.
type zoneMap map[int64]*time.Location

// of returns the zone of station id, Europe/Berlin for messages without a
// (visible) station.
func (z zoneMap) of(id int64) *time.Location {
	if loc, ok := z[id]; ok {
		return loc
	}
	return berlin
}

func (a *app) stationZones(r *http.Request) (zoneMap, error) {
	sts, err := a.Tenancy.ListStations(r.Context())
	if err != nil {
		return nil, err
	}
	z := zoneMap{}
	for _, st := range sts {
		z[st.ID] = st.Location()
	}
	return z, nil
}

// attemptRow is one delivery attempt as shown.
type attemptRow struct {
	At       string
	OK       bool
	Response string
	Worker   string
}

// attachmentRow is one attachment as listed.
type attachmentRow struct {
	N           int // 1-based, as in the download URL
	Filename    string
	ContentType string
	Size        string
	Inline      bool
}

// emailDetailData is what the detail page shows.
type emailDetailData struct {
	Q                   mail.Queued
	Created, Sent, Next string
	Attempts            []attemptRow
	Attachments         []attachmentRow
	CanResend           bool
	Headers             [][2]string // name, value
}

// emailID parses the {id} path value; anything but a positive number is
// a 404, like a message the user may not see.
func emailID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// loadEmail fetches the message of the request's {id}; it answers 404 for
// an unknown id or a message of another station or tenant.
func (a *app) loadEmail(r *http.Request) (mail.Queued, []mail.Attempt, error) {
	id, ok := emailID(r)
	if !ok {
		return mail.Queued{}, nil, errNotFound
	}
	q, atts, err := a.Mail.Email(r.Context(), id)
	if err != nil {
		return mail.Queued{}, nil, err
	}
	return q, atts, nil
}

// emailDetail shows one message: headers, every attempt with the server's
// answer, text body, the HTML body in a sandboxed iframe, attachments and
// (for a failed or sent message) the resend button.
func (a *app) emailDetail(w http.ResponseWriter, r *http.Request) error {
	q, atts, err := a.loadEmail(r)
	if err != nil {
		return err
	}
	v := &view{Title: "mail.detail_title", Nav: "emails"}
	if r.URL.Query().Get("done") == "resent" {
		v.Notice = translate(reqCtx(r).lang, "mail.resent")
	}
	a.renderEmailDetail(w, r, http.StatusOK, v, q, atts)
	return nil
}

func (a *app) renderEmailDetail(w http.ResponseWriter, r *http.Request, status int, v *view, q mail.Queued, atts []mail.Attempt) {
	zones, err := a.stationZones(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	lang, loc := reqCtx(r).lang, zones.of(q.StationID)
	d := emailDetailData{Q: q, Created: formatTime(lang, q.CreatedAt, loc),
		CanResend: q.Status == mail.StatusFailed || q.Status == mail.StatusSent}
	if q.SentAt != nil {
		d.Sent = formatTime(lang, *q.SentAt, loc)
	}
	if q.Status == mail.StatusQueued {
		d.Next = formatTime(lang, q.NextAttemptAt, loc)
	}
	m := q.Message
	// the message's own headers, named in the reader's language
	hdr := func(key locale.Key, value string) [2]string { return [2]string{translate(lang, key), value} }
	d.Headers = append(d.Headers, hdr("mail.header.from", displayAddr(m.From)), hdr("mail.header.to", displayAddr(m.To)))
	if !m.ReplyTo.IsZero() {
		d.Headers = append(d.Headers, hdr("mail.header.reply_to", displayAddr(m.ReplyTo)))
	}
	d.Headers = append(d.Headers, hdr("mail.header.subject", m.Subject), hdr("mail.header.message_id", m.MessageID))
	for _, h := range m.Headers {
		d.Headers = append(d.Headers, [2]string{h.Name, h.Value})
	}
	for _, at := range atts {
		d.Attempts = append(d.Attempts, attemptRow{At: formatTime(lang, at.At, loc), OK: at.OK, Response: at.Response, Worker: at.Worker})
	}
	for i, att := range m.Attachments {
		d.Attachments = append(d.Attachments, attachmentRow{N: i + 1, Filename: att.Filename, ContentType: att.ContentType,
			Size: byteSize(lang, len(att.Data)), Inline: att.Inline})
	}
	v.Data = d
	a.render(w, r, status, "emails_detail", v)
}

// displayAddr renders an address for people ("Jürgen Weiß <j@example.de>"),
// not MIME-encoded as in the message itself.
func displayAddr(a mail.Address) string {
	if a.Name == "" {
		return a.Email
	}
	return a.Name + " <" + a.Email + ">"
}

// byteSize renders n bytes as "12,3 KB" (de) or "12.3 KB" (en).
func byteSize(lang string, n int) string {
	l := locale.Lang(lang)
	tenths := func(unit int) string { return l.Quantity(int64((n*10+unit/2)/unit) * 100) }
	switch {
	case n < 1024:
		return l.Number(int64(n)) + " B"
	case n < 1024*1024:
		return tenths(1024) + " KB"
	}
	return tenths(1024*1024) + " MB"
}

// emailHTML serves the HTML body of a message for the detail page's
// sandboxed iframe, under a policy that blocks scripts and every remote
// load. Inline images (cid:) are embedded as data: URLs so they show.
func (a *app) emailHTML(w http.ResponseWriter, r *http.Request) error {
	q, _, err := a.loadEmail(r)
	if err != nil {
		return err
	}
	body := q.Message.HTML
	for _, att := range q.Message.Attachments {
		if att.Inline && att.ContentID != "" && strings.HasPrefix(att.ContentType, "image/") {
			data := "data:" + att.ContentType + ";base64," + base64.StdEncoding.EncodeToString(att.Data)
			body = strings.ReplaceAll(body, "cid:"+att.ContentID, data)
		}
	}
	h := w.Header()
	h.Set("Content-Security-Policy", emailHTMLPolicy)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write([]byte(body))
	return nil
}

// emailAttachment sends attachment n (1-based) of a message byte for byte,
// with its content type and as a download under its file name.
func (a *app) emailAttachment(w http.ResponseWriter, r *http.Request) error {
	q, _, err := a.loadEmail(r)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(q.Message.Attachments) {
		return errNotFound
	}
	att := q.Message.Attachments[n-1]
	ct := "application/octet-stream"
	if mt, params, err := mime.ParseMediaType(att.ContentType); err == nil {
		ct = mime.FormatMediaType(mt, params)
	}
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": att.Filename})
	if disp == "" {
		disp = "attachment"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", disp)
	h.Set("Content-Length", strconv.Itoa(len(att.Data)))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Write(att.Data)
	return nil
}

// emailResend queues a failed or sent message again and returns to its
// page. A message still queued is left alone (409 with the page again).
func (a *app) emailResend(w http.ResponseWriter, r *http.Request) error {
	id, ok := emailID(r)
	if !ok {
		return errNotFound
	}
	err := a.Mail.ResendEmail(r.Context(), id)
	if e, isErr := errs.As(err); isErr && e.Kind == errs.KindConflict {
		q, atts, err := a.loadEmail(r)
		if err != nil {
			return err
		}
		v := &view{Title: "mail.detail_title", Nav: "emails", Alert: translate(reqCtx(r).lang, "mail.already_queued")}
		a.renderEmailDetail(w, r, http.StatusConflict, v, q, atts)
		return nil
	}
	if err != nil {
		return err
	}
	a.log.InfoContext(r.Context(), "e-mail queued again by staff", "email_id", id, "request_id", requestID(r))
	http.Redirect(w, r, fmt.Sprintf("/admin/emails/%d?done=resent", id), http.StatusSeeOther)
	return nil
}

// KindLabel names a message kind in the page's language (the raw kind for
// one the catalog does not know).
func (v *view) KindLabel(k mail.Kind) string {
	key := "mail.kind." + string(k)
	if s := v.T(key); s != key {
		return s
	}
	return string(k)
}
