package webhook

import (
	"context"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Endpoint is a URL of a tenant's that receives its events.
type Endpoint struct {
	ID          int64
	TenantID    int64
	URL         string
	Description string
	// Events are the types the endpoint receives; none: every type.
	Events []Type
	// Test endpoints receive the events of test-mode API keys only, live
	// endpoints (the default) only the others.
	Test bool
	// Secret signs the deliveries ("whsec_…"). It is shown once when the
	// endpoint is made; lists never carry it.
	Secret         string
	Enabled        bool
	DisabledAt     *time.Time
	DisabledReason DisabledReason
	// FailingSince is the first failed attempt since the last delivery that
	// succeeded (nil: the last attempt succeeded).
	FailingSince *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Counts of its deliveries, in lists.
	Pending, Failed int
	LastDelivery    *time.Time
}

// DisabledReason says why an endpoint was disabled.
type DisabledReason string

// Why endpoints are disabled.
const (
	DisabledByAdmin DisabledReason = "admin"   // an administrator switched it off
	DisabledFailing DisabledReason = "failing" // every attempt failed for the whole retry schedule
	DisabledGone    DisabledReason = "gone"    // the receiver answered 410 Gone
)

// Wants reports whether the endpoint receives events of type t from a
// test-mode (test) or live source.
func (e Endpoint) Wants(t Type, test bool) bool {
	return e.Enabled && e.Test == test && (len(e.Events) == 0 || slices.Contains(e.Events, t))
}

// Limits of the endpoint fields.
const (
	MaxURL         = 2000
	MaxDescription = 200
)

// Policy says which URLs endpoints may have, checked when an endpoint is
// saved and again by the Sender before every connection (the address a
// name resolves to may change).
type Policy struct {
	// AllowPrivate lets endpoints use loopback, private, link-local and
	// other non-public addresses, and plain http: for development and
	// tests, never for an installation dealers use.
	AllowPrivate bool
	// Resolve looks up the addresses of a host name; nil: names are not
	// looked up when an endpoint is saved (the Sender still checks).
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
}

// nonPublic are the ranges that are not the public internet: loopback,
// RFC 1918, carrier-grade NAT, link-local (cloud metadata at
// 169.254.169.254), benchmarking, IETF protocol assignments, IPv6 unique
// local and the IPv4-translation prefix.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "240.0.0.0/4", "fc00::/7", "fe80::/10", "64:ff9b::/96", "64:ff9b:1::/48",
		"2001:db8::/32", "100::/64"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Blocked reports whether ip is not a public unicast address: loopback,
// private, link-local, multicast, unspecified and the other ranges of
// nonPublic (IPv4-mapped IPv6 addresses are judged as IPv4).
func Blocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// CheckURL returns the URL an endpoint may use, or field errors for field:
// an absolute http(s) URL of at most MaxURL characters without user name,
// password or fragment; https and a public address unless the policy
// allows private ones (a host name is looked up with Resolve).
func (p Policy) CheckURL(ctx context.Context, field, raw string) (string, *errs.FieldError) {
	raw = strings.TrimSpace(raw)
	fail := func(code locale.Key, params ...locale.Params) (string, *errs.FieldError) {
		fe := errs.Field(field, code, params...)
		return raw, &fe
	}
	if raw == "" {
		return fail("webhook.url_required")
	}
	if utf8.RuneCountInString(raw) > MaxURL {
		return fail("field.too_long", locale.Params{"n": MaxURL})
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return fail("webhook.url_invalid")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fail("webhook.url_invalid")
	}
	if u.User != nil {
		return fail("webhook.url_credentials")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fail("webhook.url_fragment")
	}
	if u.Scheme != "https" && !p.AllowPrivate {
		return fail("webhook.url_https")
	}
	host := u.Hostname()
	if p.AllowPrivate {
		return u.String(), nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if Blocked(ip) {
			return fail("webhook.url_private", locale.Params{"host": host})
		}
		return u.String(), nil
	}
	lower := strings.ToLower(strings.TrimSuffix(host, "."))
	if lower == "localhost" || strings.HasSuffix(lower, ".localhost") || !strings.Contains(lower, ".") {
		return fail("webhook.url_private", locale.Params{"host": host})
	}
	if p.Resolve == nil {
		return u.String(), nil
	}
	addrs, err := p.Resolve(ctx, host)
	if err != nil || len(addrs) == 0 {
		return fail("webhook.url_unresolvable", locale.Params{"host": host})
	}
	for _, a := range addrs {
		if Blocked(a) {
			return fail("webhook.url_private", locale.Params{"host": host})
		}
	}
	return u.String(), nil
}

// ParseTypes reads event types separated by commas or spaces ("" and "*":
// every type). Errors: a field error naming the first unknown type.
func ParseTypes(field, s string) ([]Type, *errs.FieldError) {
	var out []Type
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' }) {
		if part == "*" {
			return nil, nil
		}
		t := Type(strings.ToLower(part))
		if !t.Valid() {
			fe := errs.Field(field, "webhook.event_unknown", locale.Params{"type": part})
			return nil, &fe
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) == len(Types) {
		return nil, nil // every type: also the ones added later
	}
	return out, nil
}
