// Package smtp delivers mail.Messages over SMTP with
// github.com/wneessen/go-mail. It implements mail.Transport and classifies
// failures as permanent or temporary.
package smtp

import (
	"crypto/tls"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// TLSMode selects how the connection is encrypted.
type TLSMode string

// The TLS modes.
const (
	TLSNone          TLSMode = "none"          // plain SMTP (local relays, tests)
	TLSStartTLS      TLSMode = "starttls"      // STARTTLS required; fail without it
	TLSOpportunistic TLSMode = "opportunistic" // STARTTLS when offered
	TLSImplicit      TLSMode = "tls"           // TLS from the first byte (SMTPS, port 465)
)

// Auth selects the SASL mechanism.
type Auth string

// The supported mechanisms.
const (
	AuthNone  Auth = ""
	AuthPlain Auth = "plain"
	AuthLogin Auth = "login"
)

// Config configures an SMTP transport.
type Config struct {
	Host     string
	Port     int // 0: 587, or 465 for TLSImplicit, or 25 for TLSNone
	TLS      TLSMode
	Auth     Auth
	Username string
	Password string
	// AllowInsecureAuth permits PLAIN/LOGIN over an unencrypted connection
	// (test servers only).
	AllowInsecureAuth bool
	HELO              string        // name sent in EHLO/HELO; default "localhost"
	ConnectTimeout    time.Duration // per network operation; default 15s
	SendTimeout       time.Duration // whole delivery; default 60s
	TLSConfig         *tls.Config   // optional; ServerName defaults to Host
	// Now is the clock for the Date header; default time.Now.
	Now func() time.Time
}

// validate fills defaults and reports invalid settings as errs.KindInvalid.
func (c *Config) validate() error {
	var f errs.Fields
	if strings.TrimSpace(c.Host) == "" {
		f.Add("host", "field.required")
	}
	switch c.TLS {
	case "":
		c.TLS = TLSStartTLS
	case TLSNone, TLSStartTLS, TLSOpportunistic, TLSImplicit:
	default:
		f.Add("tls", "smtp.tls_choose")
	}
	switch c.Auth {
	case AuthNone:
	case AuthPlain, AuthLogin:
		if c.Username == "" {
			f.Add("username", "smtp.username_required")
		}
		if c.TLS == TLSNone && !c.AllowInsecureAuth {
			f.Add("auth", "smtp.insecure_auth")
		}
	default:
		f.Add("auth", "smtp.auth_choose")
	}
	if c.Port < 0 || c.Port > 65535 {
		f.Add("port", "field.between", locale.Params{"min": 1, "max": 65535})
	}
	if c.Port == 0 {
		switch c.TLS {
		case TLSImplicit:
			c.Port = 465
		case TLSNone:
			c.Port = 25
		default:
			c.Port = 587
		}
	}
	if c.HELO == "" {
		c.HELO = "localhost"
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 15 * time.Second
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 60 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return f.Err()
}
