package mail

import (
	"mime"
	"net/mail"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Kind says what a message is about; the outbox and the admin UI use it.
type Kind string

// The kinds of message Mietwerk sends.
const (
	KindReservationConfirmation Kind = "reservation_confirmation"
	KindAdvanceInvoice          Kind = "advance_invoice"
	KindHandoverProtocol        Kind = "handover_protocol"
	KindReturnProtocol          Kind = "return_protocol"
	KindFinalInvoice            Kind = "final_invoice"
	KindCreditNote              Kind = "credit_note"
	KindContractChange          Kind = "contract_change"
	KindPaymentFailed           Kind = "payment_failed"
	KindBookingCancellation     Kind = "booking_cancellation"
	KindBookingFailed           Kind = "booking_failed"
	KindPaymentReceipt          Kind = "payment_receipt"
	KindBookingChange           Kind = "booking_change"
	KindDamageClaim             Kind = "damage_claim"
	KindContractDocument        Kind = "contract_document"
	KindFineLetter              Kind = "fine_letter"
	KindPayerInvoice            Kind = "payer_invoice"    // to a payer (insurer, programme, fleet customer)
	KindPayerDunning            Kind = "payer_dunning"    // a reminder to a payer
	KindWebhookDisabled         Kind = "webhook_disabled" // to a tenant's administrators
)

// Address is a mailbox with an optional display name.
type Address struct {
	Name  string
	Email string
}

// String returns the address in RFC 5322 form ("Name <a@b>") that
// net/mail.ParseAddress reads back unchanged: a printable ASCII name as a
// quoted string (quotes and backslashes escaped), another name as an
// RFC 2047 encoded-word — "B" when it holds a backslash, which net/mail's
// own String would write into a "Q" word raw (a name like "Müller \" then
// cannot be read back: golang.org/issue/80592). Control characters in
// names are refused by validation, not encoded here.
func (a Address) String() string {
	if !printableASCII(a.Name) && strings.Contains(a.Name, `\`) {
		return mime.BEncoding.Encode("utf-8", a.Name) + " " + (&mail.Address{Address: a.Email}).String()
	}
	return (&mail.Address{Name: a.Name, Address: a.Email}).String()
}

// HeaderName returns the display name to hand to a writer that formats
// it with net/mail's Address.String: the name itself, except that in a
// name net/mail would "Q"-encode (one with characters beyond printable
// ASCII and none of the characters that make it choose "B") a backslash,
// which a "Q" word must not contain, is written as the full-width reverse
// solidus "＼" that looks the same.
func (a Address) HeaderName() string {
	if printableASCII(a.Name) || !strings.Contains(a.Name, `\`) || strings.ContainsAny(a.Name, "\"#$%&'(),.:;<>@[]^`{|}~") {
		return a.Name
	}
	return strings.ReplaceAll(a.Name, `\`, "＼")
}

// ParseAddress reads an address as String writes it, also the "Q" words
// with a raw backslash that older versions stored (decoded leniently).
func ParseAddress(s string) (Address, error) {
	if a, err := mail.ParseAddress(s); err == nil {
		return Address{Name: a.Name, Email: a.Address}, nil
	}
	i := strings.LastIndex(s, " <")
	if i < 0 || !strings.HasSuffix(s, ">") {
		return Address{}, errs.Invalid("field.email_invalid")
	}
	a, err := mail.ParseAddress(s[i+1:])
	if err != nil {
		return Address{}, err
	}
	name, err := new(mime.WordDecoder).DecodeHeader(s[:i])
	if err != nil {
		return Address{}, err
	}
	return Address{Name: name, Email: a.Address}, nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// IsZero reports whether no e-mail address is set.
func (a Address) IsZero() bool { return a.Email == "" }

// Attachment is a file sent with a message. Inline attachments (with a
// ContentID) are referenced from the HTML body as "cid:<ContentID>".
type Attachment struct {
	Filename    string
	ContentType string // e.g. "application/pdf", "text/calendar; method=PUBLISH"
	Data        []byte
	Inline      bool
	ContentID   string // without angle brackets; required when Inline
	// DocumentID, when set, names the stored document (an issued invoice's
	// PDF) whose bytes Data are: the outbox keeps a reference instead of a
	// second copy.
	DocumentID int64
}

// Header is one extra header field.
type Header struct {
	Name, Value string
}

// Message is one e-mail as queued and sent.
type Message struct {
	TenantID    string
	Kind        Kind
	Lang        string // "de" or "en"
	From        Address
	ReplyTo     Address // optional
	To          Address
	Subject     string
	Text        string // plain-text body (always present)
	HTML        string // HTML alternative (optional)
	MessageID   string // "<id@domain>"; set by the sender so retries keep it
	Headers     []Header
	Attachments []Attachment
}

// Validate returns nil when m can be sent, else an errs.KindInvalid error
// listing every problem: addresses must parse, subject and text body must
// be present, header names and values must be single-line, attachments
// need a file name and content type, inline ones a content id.
func (m Message) Validate() error {
	var f errs.Fields
	checkAddr := func(field string, a Address, required bool) {
		if a.Email == "" {
			if required {
				f.Add(field, "field.required")
			}
			return
		}
		if _, err := mail.ParseAddress(a.Email); err != nil || strings.ContainsAny(a.Email, "<> \r\n") {
			f.Add(field, "field.email_invalid")
		}
		if strings.ContainsAny(a.Name, "\r\n") {
			f.Add(field, "mail.name_single_line")
		}
	}
	checkAddr("from", m.From, true)
	checkAddr("to", m.To, true)
	checkAddr("reply_to", m.ReplyTo, false)
	if strings.TrimSpace(m.Subject) == "" {
		f.Add("subject", "field.required")
	} else if strings.ContainsAny(m.Subject, "\r\n") {
		f.Add("subject", "field.single_line")
	}
	if strings.TrimSpace(m.Text) == "" {
		f.Add("text", "field.required")
	}
	if m.MessageID != "" && !validMessageID(m.MessageID) {
		f.Add("message_id", "mail.message_id_format")
	}
	for i, h := range m.Headers {
		if h.Name == "" || strings.ContainsAny(h.Name, ": \t\r\n") || strings.ContainsAny(h.Value, "\r\n") {
			f.Add("headers", "mail.header_malformed", locale.Params{"index": i})
		}
	}
	for i, a := range m.Attachments {
		if a.Filename == "" || strings.ContainsAny(a.Filename, "/\\\r\n\"") {
			f.Add("attachments", "mail.attachment_name", locale.Params{"index": i})
		}
		if a.ContentType == "" {
			f.Add("attachments", "mail.attachment_type", locale.Params{"index": i})
		}
		if a.Inline && a.ContentID == "" {
			f.Add("attachments", "mail.attachment_cid", locale.Params{"index": i})
		}
	}
	return f.Err()
}

// NewMessageID returns a Message-ID "<local@domain>" for a stable local part
// (e.g. the outbox row id), so every retry of a message carries the same id.
func NewMessageID(local, domain string) string {
	return "<" + local + "@" + domain + ">"
}

func validMessageID(id string) bool {
	if len(id) < 5 || id[0] != '<' || id[len(id)-1] != '>' || strings.ContainsAny(id, " \t\r\n") {
		return false
	}
	at := strings.IndexByte(id, '@')
	return at > 1 && at < len(id)-2 && strings.Count(id, "@") == 1
}
