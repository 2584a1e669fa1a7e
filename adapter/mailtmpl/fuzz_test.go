package mailtmpl

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"unicode/utf8"

	"mietwerk.dev/mietwerk/internal/mailmime"
	"mietwerk.dev/mietwerk/mail"
)

// withText returns every message kind in both languages with s in every
// text a person or tenant can type: display names, branding, customer
// name, station, category, vehicle, changes, reasons, references, and the
// document numbers (a tenant's number pattern).
func withText(r *Renderer, s string) map[string]func() (mail.Message, error) {
	out := map[string]func() (mail.Message, error){}
	for _, lang := range Langs {
		env := envelope(lang)
		env.From.Name, env.ReplyTo.Name, env.To.Name = s, s+`\`, `"`+s
		b := &env.Branding
		b.LegalName, b.Address.Street, b.Address.Extra, b.Address.PostalCode, b.Address.City = s, s, s, s, s
		b.Phone, b.Website, b.RegisterCourt, b.RegisterNumber, b.TaxNumber, b.VATID = s, s, s, s, s, s
		b.ManagingDirectors = []string{s}
		b.BankName, b.IBAN, b.BIC = s, s, s
		st := Station{Name: s, Address: station.Address, Phone: s, Email: "sued@koenig.test"}
		st.Address.Street, st.Address.City = s, s
		for kind, build := range cases(r, lang) {
			out[string(lang)+" "+string(kind)] = func() (mail.Message, error) {
				switch kind {
				case mail.KindReservationConfirmation:
					d := reservation()
					d.Number, d.CustomerName, d.Station, d.Category, d.Vehicle, d.InvoiceNumber = "R-"+s, s, st, s, s, s
					return r.ReservationConfirmation(env, d)
				case mail.KindAdvanceInvoice, mail.KindFinalInvoice, mail.KindCreditNote, mail.KindDamageClaim:
					d := mailOf(4999, s)
					d.CustomerName, d.Number, d.ContractNumber, d.CorrectsNumber = s, "RE/"+s, s, s
					switch kind {
					case mail.KindAdvanceInvoice:
						return r.AdvanceInvoice(env, d)
					case mail.KindFinalInvoice:
						return r.FinalInvoice(env, d)
					case mail.KindDamageClaim:
						return r.DamageClaim(env, d)
					}
					return r.CreditNote(env, d)
				case mail.KindHandoverProtocol, mail.KindReturnProtocol:
					d := protocolMail()
					d.CustomerName, d.ContractNumber, d.Vehicle, d.Plate, d.Station = s, "MV/"+s, s, s, st
					if kind == mail.KindHandoverProtocol {
						return r.HandoverProtocol(env, d)
					}
					return r.ReturnProtocol(env, d)
				case mail.KindContractChange:
					return r.ContractChangeNotice(env, ContractChange{CustomerName: s, ContractNumber: "MV-" + s, EffectiveAt: pickup,
						Changes: []Change{{s, s, s, s}}, PDF: fakePDF, Filename: "Mietvertrag-" + s + ".pdf"})
				case mail.KindFineLetter:
					return r.FineLetter(env, FineLetter{CustomerName: s, ContractNumber: "MV-" + s, Reference: s, Authority: s, PDF: fakePDF, Filename: s + ".pdf"})
				case mail.KindPayerInvoice:
					return r.PayerInvoice(env, PayerInvoiceMail{InvoiceMail: InvoiceMail{CustomerName: s, Number: s, ContractNumber: s, PaymentNote: s, PDF: fakePDF},
						PayerName: s, DriverName: s, ClaimNumber: s, DueDate: pickup})
				case mail.KindPayerDunning:
					return r.PayerDunning(env, PayerDunningMail{Title: s, Number: s, InvoiceNumber: s, ContractNumber: s, ClaimNumber: s, Claimed: 1, DueDate: pickup,
						PDF: fakePDF, Filename: s + ".pdf"})
				case mail.KindContractDocument:
					return r.ContractDocument(env, ContractChange{CustomerName: s, ContractNumber: "MV-" + s, PDF: fakePDF, Filename: s + ".pdf"})
				case mail.KindPaymentFailed:
					return r.PaymentFailedNotice(env, PaymentFailed{CustomerName: s, ContractNumber: s, InvoiceNumber: s, Amount: 1, Reason: s})
				case mail.KindPaymentReceipt:
					return r.PaymentReceiptNotice(env, PaymentReceipt{CustomerName: s, ContractNumber: s, Method: "cash", Amount: 1, On: pickup,
						Reference: s, Note: s, Payout: true})
				case mail.KindBookingCancellation:
					return r.BookingCancellation(env, Cancellation{CustomerName: s, ReservationNumber: s, Station: st, Pickup: pickup, Return: back,
						Category: s, CancelledAt: booked, Paid: 4900, Fee: 2500, Refund: 2400, Deposit: 30000})
				case mail.KindBookingChange:
					d := changed()
					d.Number, d.CustomerName, d.Station, d.Category, d.Vehicle, d.Model = "R-"+s, s, st, s, s, s
					return r.BookingChange(env, d)
				case mail.KindWebhookDisabled:
					return r.WebhookDisabledNotice(env, WebhookDisabled{AdminName: s, URL: "https://" + s, Reason: "failing", Since: pickup,
						LastError: s, Link: "https://miete.koenig.test/admin/webhooks/1"})
				case mail.KindBookingFailed:
					return r.BookingFailed(env, BookingFailed{CustomerName: s, ReservationNumber: s, Station: st, Pickup: pickup, Return: back,
						Reason: s, Charged: true})
				}
				return build()
			}
		}
	}
	return out
}

// FuzzMessages renders every message kind with any text in every field and
// requires a message that passes Validate and whose MIME form parses back:
// display names round-trip, every header decodes, every text part (plain,
// HTML, calendar) is valid UTF-8 without control characters, calendar
// lines stay within 75 octets. The seed corpus (testdata/fuzz/FuzzMessages)
// runs with every go test; explore with
// go test ./adapter/mailtmpl -run '^$' -fuzz FuzzMessages.
func FuzzMessages(f *testing.F) {
	r, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, build := range withText(r, s) {
			m, err := build()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			raw, err := mailmime.Bytes(m, booked)
			if err != nil {
				t.Fatalf("%s: MIME: %v", name, err)
			}
			checkMIME(t, name, raw, m)
		}
	})
}

// checkMIME parses raw as a message and checks it against m.
func checkMIME(t *testing.T, name string, raw []byte, m mail.Message) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: message does not parse: %v", name, err)
	}
	for field, want := range map[string]mail.Address{"From": m.From, "To": m.To, "Reply-To": m.ReplyTo} {
		list, err := msg.Header.AddressList(field)
		if err != nil || len(list) != 1 {
			t.Fatalf("%s: %s %q does not parse: %v", name, field, msg.Header.Get(field), err)
		}
		if wantName := want.HeaderName(); list[0].Name != wantName || list[0].Address != want.Email {
			t.Errorf("%s: %s = %q <%s>, want %q <%s>", name, field, list[0].Name, list[0].Address, wantName, want.Email)
		}
	}
	dec := new(mime.WordDecoder)
	for field, vals := range msg.Header {
		for _, v := range vals {
			d, err := dec.DecodeHeader(v)
			if err != nil {
				t.Errorf("%s: header %s %q does not decode: %v", name, field, v, err)
			}
			checkText(t, name+" header "+field, d, false)
		}
	}
	walk(t, name, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

// walk checks every text part below a part of the given type.
func walk(t *testing.T, name, contentType, encoding string, body io.Reader) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("%s: content type %q: %v", name, contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("%s: %s: %v", name, mt, err)
			}
			walk(t, name, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
		}
	}
	if !strings.HasPrefix(mt, "text/") {
		return
	}
	var r io.Reader = body
	switch strings.ToLower(encoding) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, newlineSkipper{body})
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %s part does not decode: %v", name, mt, err)
	}
	checkText(t, name+" "+mt, string(data), true)
	if mt == "text/calendar" {
		for _, l := range strings.Split(string(data), "\r\n") {
			if len(l) > 75 {
				t.Errorf("%s: calendar line longer than 75 octets: %q", name, l)
			}
		}
	}
}

// checkText fails for invalid UTF-8 and control characters (a body may
// have line breaks and tabs).
func checkText(t *testing.T, name, s string, body bool) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s: invalid UTF-8: %q", name, s)
		return
	}
	for _, r := range s {
		if body && (r == '\r' || r == '\n' || r == '\t') {
			continue
		}
		if r < 0x20 || r >= 0x7f && r < 0xa0 {
			t.Errorf("%s: control character %U in %q", name, r, s)
			return
		}
	}
}

// newlineSkipper drops line breaks from base64 text.
type newlineSkipper struct{ r io.Reader }

func (n newlineSkipper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}

// TestMessagesWithHardText: emoji, right-to-left text and combining marks
// reach the customer as typed; control characters as "�"; a number with
// "/" still gives an attachment name.
func TestMessagesWithHardText(t *testing.T) {
	r := mustNew(t)
	for name, build := range withText(r, "Straubing 😀 שלום Mu\u0308ller \x00\x1b\r\n\t\u202e \xff") {
		m, err := build()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := `"Straubing 😀 שלום Mu` + "\u0308ller \uFFFD\uFFFD   \uFFFD"; m.To.Name != want {
			t.Errorf("%s: To name %q, want %q", name, m.To.Name, want)
		}
		for _, a := range m.Attachments {
			if strings.ContainsAny(a.Filename, `/\"`) {
				t.Errorf("%s: attachment name %q", name, a.Filename)
			}
		}
		if strings.ContainsRune(m.Text, 0) || !strings.Contains(m.Text, "Straubing 😀 שלום Mu\u0308ller \uFFFD\uFFFD") {
			t.Errorf("%s: text %q", name, m.Text)
		}
	}
}
