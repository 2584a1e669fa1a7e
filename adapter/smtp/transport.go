package smtp

import (
	"context"
	"crypto/tls"
	"fmt"

	gomail "github.com/wneessen/go-mail"

	"mietwerk.dev/mietwerk/internal/mailmime"
	"mietwerk.dev/mietwerk/mail"
)

// Transport sends each message over a new SMTP connection.
type Transport struct {
	cfg Config
}

var _ mail.Transport = (*Transport)(nil)

// New returns a Transport for cfg, or an errs.KindInvalid error naming the
// invalid settings. It does not connect.
func New(cfg Config) (*Transport, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Transport{cfg: cfg}, nil
}

// Send delivers m: it connects, negotiates TLS and authenticates as
// configured, sends m with Date from the clock and m's Message-ID, and
// returns the server's reply to the data (e.g. "250 2.0.0 Ok: queued").
// Errors are *mail.SendError: permanent for an invalid message or a 5xx
// reply to MAIL FROM, RCPT TO or DATA; temporary otherwise (refused or
// dropped connections, timeouts, 4xx replies, and session-level failures
// such as a rejected login or missing STARTTLS, which are configuration
// problems a retry after fixing them solves — never the message's fault).
func (t *Transport) Send(ctx context.Context, m mail.Message) (string, error) {
	msg, err := mailmime.Build(m, t.cfg.Now())
	if err != nil {
		return "", mail.PermanentError(0, err)
	}
	client, err := gomail.NewClient(t.cfg.Host, t.options()...)
	if err != nil {
		return "", mail.PermanentError(0, fmt.Errorf("smtp: client: %w", err))
	}
	ctx, cancel := context.WithTimeout(ctx, t.cfg.SendTimeout)
	defer cancel()
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return "", classify(err)
	}
	// go-mail drops the reply code; the only success reply to the end of
	// DATA is 250 (RFC 5321 §4.3.2), so put it back for the logs.
	return "250 " + msg.ServerResponse(), nil
}

func (t *Transport) options() []gomail.Option {
	c := t.cfg
	opts := []gomail.Option{
		gomail.WithPort(c.Port),
		gomail.WithTimeout(c.ConnectTimeout),
		gomail.WithHELO(c.HELO),
	}
	tlsConf := c.TLSConfig
	if tlsConf == nil {
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		tlsConf = tlsConf.Clone()
	}
	if tlsConf.ServerName == "" {
		tlsConf.ServerName = c.Host
	}
	opts = append(opts, gomail.WithTLSConfig(tlsConf))
	switch c.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.NoTLS))
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSOpportunistic))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory))
	}
	// WithTLSPortPolicy/WithSSL may change the port; ours wins.
	opts = append(opts, gomail.WithPort(c.Port))
	switch c.Auth {
	case AuthPlain, AuthLogin:
		mech := gomail.SMTPAuthPlain
		if c.Auth == AuthLogin {
			mech = gomail.SMTPAuthLogin
		}
		if c.AllowInsecureAuth && c.TLS != TLSImplicit {
			mech = gomail.SMTPAuthPlainNoEnc
			if c.Auth == AuthLogin {
				mech = gomail.SMTPAuthLoginNoEnc
			}
		}
		opts = append(opts, gomail.WithSMTPAuth(mech), gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	return opts
}
