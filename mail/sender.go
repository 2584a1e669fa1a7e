package mail

import (
	"net/mail"
	"strings"
)

// SenderFor decides the From and Reply-To of a customer e-mail from the
// sender settings, most specific first:
//
//   - From: the station's mail_from, else the tenant's mail_from, else
//     fallback (the process option --mail-from).
//   - Reply-To: the station's mail_reply_to, else the tenant's
//     mail_reply_to; when neither is set and From is not the station's own
//     address, nothing (replies go to From).
//
// Each setting is an address in RFC 5322 form ("Autohaus König
// <service@koenig.de>" or a bare "service@koenig.de"); blank settings are
// skipped, and so is a setting that does not parse (stored settings are
// validated when saved, so this only guards against old data) — a bad
// setting never stops a message, it falls back to the next one. When the
// chosen From has no display name, the tenant's name is not invented
// here: callers that want one set it on the returned address.
//
// Booking, handover, return and billing code call it with the tenant and
// station of the business change before queueing a message:
//
//	from, replyTo := mail.SenderFor(tn.MailFrom, tn.MailReplyTo, st.MailFrom, st.MailReplyTo, cfg.MailFrom)
func SenderFor(tenantFrom, tenantReplyTo, stationFrom, stationReplyTo, fallback string) (from, replyTo Address) {
	from = firstAddress(stationFrom, tenantFrom, fallback)
	replyTo = firstAddress(stationReplyTo, tenantReplyTo)
	if strings.EqualFold(replyTo.Email, from.Email) {
		replyTo = Address{} // a Reply-To equal to From adds nothing
	}
	return from, replyTo
}

// firstAddress returns the first candidate that parses as one address.
func firstAddress(candidates ...string) Address {
	for _, c := range candidates {
		c = strings.TrimSpace(c)
		if c == "" || strings.ContainsAny(c, "\r\n") {
			continue
		}
		a, err := mail.ParseAddress(c)
		if err != nil {
			continue
		}
		return Address{Name: a.Name, Email: a.Address}
	}
	return Address{}
}
