package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
)

// csrfField is the hidden form field, csrfHeader the htmx request header
// carrying the CSRF token.
const (
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
	// preCSRFCookie holds the login form's token before there is a session
	// (double-submit: cookie and form field must match).
	preCSRFCookie = "mw_csrf"
	// maxFormBytes bounds every request body of the admin UI.
	maxFormBytes = 1 << 20
	// maxUploadBytes bounds a multipart (photo upload) request: up to
	// maxUploadPhotos photos of at most fleet.MaxPhotoBytes each.
	maxUploadBytes = maxUploadPhotos*(10<<20) + 1<<20
)

// unsafeMethod reports whether m may change state.
func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// checkCSRF refuses every state-changing request that does not come from
// this origin (Origin, else Referer, must name this host; a cross-site or
// same-site Sec-Fetch-Site is refused) with the 403 page, before any handler
// runs. It also parses the (size-limited) form. The token itself is checked
// by requireSession (session token) and loginSubmit (pre-session token), as
// only they know which token applies.
func (a *app) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !unsafeMethod(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		if !sameOrigin(r) {
			a.log.WarnContext(r.Context(), "csrf: cross-origin request refused",
				"request_id", requestID(r), "path", r.URL.Path,
				"origin", r.Header.Get("Origin"), "referer", r.Header.Get("Referer"))
			a.errorPage(w, r, http.StatusForbidden, "err.403.csrf")
			return
		}
		limit := int64(maxFormBytes)
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			limit = maxUploadBytes // photo uploads; read only after sign-in (requireSession)
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := r.ParseForm(); err != nil {
			a.errorPage(w, r, http.StatusRequestEntityTooLarge, "")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// badParam returns the first parameter of the request's query or parsed
// form whose name or value has a control character (line breaks and tabs
// allowed in values) or malformed UTF-8.
func badParam(r *http.Request) (string, bool) {
	vals := r.Form
	if vals == nil {
		vals = r.URL.Query()
	}
	for k, vs := range vals {
		bad := errs.BadText(k, false)
		for _, v := range vs {
			bad = bad || errs.BadText(v, true)
		}
		if bad {
			return k, true
		}
	}
	return "", false
}

// refuseControlChars answers a request whose query or form (as checkCSRF
// parsed it) has a control character (NUL, escape, …; line breaks and
// tabs are fine here, single-line fields refuse them in their own checks)
// or malformed UTF-8 with the 400 page, before any handler runs: nothing a
// person types has them, and PostgreSQL could not even compare a NUL.
// Multipart forms are parsed by their handlers, whose checks see them.
func (a *app) refuseControlChars(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k, bad := badParam(r); bad {
			a.log.InfoContext(r.Context(), "request refused: control character in a parameter", "request_id", requestID(r),
				"path", r.URL.Path, "param", strconv.QuoteToASCII(k))
			a.errorPage(w, r, http.StatusBadRequest, "err.400.control")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin reports whether r names this server as its origin. A request
// with neither Origin nor Referer is refused: browsers send Origin with every
// POST, and our Referrer-Policy keeps the Referer for same-origin requests.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return false
	}
	src := r.Header.Get("Origin")
	if src == "" || src == "null" {
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return false
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if r.TLS != nil && u.Scheme != "https" {
		return false
	}
	return u.Host == r.Host
}

// tokenOK compares the request's CSRF token (form field or htmx header)
// with want in constant time.
func tokenOK(r *http.Request, want string) bool {
	if r.MultipartForm == nil && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		// Photo uploads: parsed here, after sign-in, up to maxUploadBytes
		// (parts beyond 8 MB in memory go to temporary files).
		r.ParseMultipartForm(8 << 20)
	}
	got := r.PostFormValue(csrfField)
	if got == "" {
		got = r.Header.Get(csrfHeader)
	}
	return want != "" && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// requireToken answers the 403 page and returns false unless the request
// carries the session's CSRF token. requireSession calls it for every
// state-changing request, so no handler can forget it.
func (a *app) requireToken(w http.ResponseWriter, r *http.Request) bool {
	if tokenOK(r, reqCtx(r).session.CSRFToken) {
		return true
	}
	a.log.WarnContext(r.Context(), "csrf: token missing or wrong", "request_id", requestID(r), "path", r.URL.Path)
	a.errorPage(w, r, http.StatusForbidden, "err.403.csrf")
	return false
}

// preSessionToken returns the login form's CSRF token, setting the cookie
// when there is none yet.
func (a *app) preSessionToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCSRFCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
		return c.Value
	}
	tok := identity.NewToken()
	http.SetCookie(w, &http.Cookie{
		Name: preCSRFCookie, Value: tok, Path: cookiePath,
		HttpOnly: true, Secure: a.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
	return tok
}

// preSessionTokenOK reports whether the login form's token matches its cookie.
func preSessionTokenOK(r *http.Request) bool {
	c, err := r.Cookie(preCSRFCookie)
	return err == nil && tokenOK(r, c.Value)
}
