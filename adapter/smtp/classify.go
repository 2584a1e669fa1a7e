package smtp

import (
	"errors"
	"net/textproto"

	gomail "github.com/wneessen/go-mail"

	"mietwerk.dev/mietwerk/mail"
)

// classify turns a go-mail error into a *mail.SendError. Only replies to
// the message's own transaction (MAIL FROM, RCPT TO, DATA) with a 5xx code
// are permanent; see Transport.Send.
func classify(err error) error {
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		if code == 0 {
			code = textprotoCode(err)
		}
		switch se.Reason {
		case gomail.ErrSMTPMailFrom, gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
			if code >= 500 && code < 600 {
				return mail.PermanentError(code, err)
			}
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			return mail.PermanentError(code, err)
		}
		return mail.TemporaryError(code, err)
	}
	return mail.TemporaryError(textprotoCode(err), err)
}

func textprotoCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}
