package telecash

import (
	"errors"
	"net/url"
	"strings"
)

// tokenPathPrefix is the path of the token endpoints; the segment after it
// is a DataStorage token, which is never logged or recorded.
const tokenPathPrefix = "/payment-tokens/"

// redactPath replaces the token in a /payment-tokens/{token} path (and
// keeps any query) with "[token]".
func redactPath(p string) string {
	i := strings.Index(p, tokenPathPrefix)
	if i < 0 {
		return p
	}
	rest := p[i+len(tokenPathPrefix):]
	q := ""
	if j := strings.IndexAny(rest, "?#"); j >= 0 {
		q = rest[j:]
	}
	return p[:i+len(tokenPathPrefix)] + "[token]" + q
}

// redactErr returns err's text without the request URL when err is a
// transport error for a token path (net/http puts the URL into its errors).
func redactErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && strings.Contains(ue.URL, tokenPathPrefix) {
		return ue.Op + " " + redactPath(ue.URL) + ": " + ue.Err.Error()
	}
	return err.Error()
}
