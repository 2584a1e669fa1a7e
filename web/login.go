package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
)

// loginData is what the login page shows.
type loginData struct {
	Email string
	Next  string
}

// loginPage shows the sign-in form with the pre-session CSRF token and a
// message when the session expired or the user signed out.
func (a *app) loginPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	rc := reqCtx(r)
	rc.preCSRF = a.preSessionToken(w, r)
	v := &view{Title: "login.title", Data: loginData{Next: afterLogin(q.Get("next"))}}
	switch {
	case q.Get("expired") != "":
		v.Alert = translate(rc.lang, "login.expired")
	case q.Get("logged_out") != "":
		v.Notice = translate(rc.lang, "login.logged_out")
	case q.Get("next") != "":
		v.Notice = translate(rc.lang, "login.required")
	}
	a.render(w, r, http.StatusOK, "login", v)
	return nil
}

// loginSubmit signs in. Every failure shows the same message, so the page
// never tells whether an e-mail address exists; while sign-in is throttled
// the page says so with status 429. On success it sets the session cookie
// and returns to the originally requested admin page (or the dashboard).
func (a *app) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	rc := reqCtx(r)
	if !preSessionTokenOK(r) {
		return pageError{http.StatusForbidden, "err.403.csrf"}
	}
	email, password := r.PostForm.Get("email"), r.PostForm.Get("password")
	next := afterLogin(r.PostForm.Get("next"))
	req := identity.LoginRequest{Email: email, Password: password, RemoteAddr: a.TrustedProxies.ClientIP(r), UserAgent: r.UserAgent()}
	if c, err := r.Cookie(deviceCookie); err == nil {
		req.Device = c.Value
	}
	res, err := a.Identity.SignIn(r.Context(), req)
	if err != nil {
		rc.preCSRF = a.preSessionToken(w, r)
		v := &view{Title: "login.title", Data: loginData{Email: email, Next: next}}
		status := http.StatusUnauthorized
		var th *identity.Throttled
		switch {
		case errors.As(err, &th):
			status = http.StatusTooManyRequests
			secs := int(th.Wait.Round(time.Second) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			v.Alert = translate(rc.lang, "login.throttled_wait", max(secs, 1))
		case errors.Is(err, identity.ErrTooManyAttempts) || errs.Is(err, errs.KindRateLimited):
			status = http.StatusTooManyRequests
			v.Alert = translate(rc.lang, "login.throttled")
		case errs.Is(err, errs.KindUnauthorized):
			v.Alert = translate(rc.lang, "login.failed")
		default:
			return err
		}
		a.render(w, r, status, "login", v)
		return nil
	}
	a.setSessionCookie(w, res.Token)
	// the device cookie lets this browser sign in undelayed while others
	// fail for this account or from this address
	http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: res.Device, Path: cookiePath, MaxAge: 180 * 24 * 3600,
		HttpOnly: true, Secure: a.SecureCookies, SameSite: http.SameSiteStrictMode})
	a.clearCookie(w, preCSRFCookie)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// deviceCookie holds the device token of the last successful sign-in in
// this browser (see identity.SignIn).
const deviceCookie = "mw_device"

// logout ends the server-side session and clears the cookie.
func (a *app) logout(w http.ResponseWriter, r *http.Request) error {
	if err := a.Identity.Logout(r.Context(), reqCtx(r).token); err != nil {
		return err
	}
	a.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/admin/login?logged_out=1", http.StatusSeeOther)
	return nil
}

// setLanguage switches the UI language (?l=de|en) with a cookie and returns
// to the page named by next. A POST by a signed-in user (CSRF-checked) also
// saves the language as the user's own; a GET (used on the login page) only
// sets the cookie.
func (a *app) setLanguage(w http.ResponseWriter, r *http.Request) error {
	l := r.URL.Query().Get("l")
	if !validLang(l) {
		return pageError{http.StatusBadRequest, ""}
	}
	http.SetCookie(w, &http.Cookie{
		Name: langCookie, Value: l, Path: cookiePath, Expires: a.Now().Add(365 * 24 * time.Hour),
		HttpOnly: true, Secure: a.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	rc := reqCtx(r)
	if r.Method == http.MethodPost && rc.user != nil && rc.user.Language != l {
		if err := a.saveUserLanguage(r, l); err != nil {
			return err
		}
	}
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostForm.Get("next")
	}
	if next = safeNext(next); next == "" {
		next = "/admin/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// saveUserLanguage stores l as the signed-in user's language. A user may
// change its own language whatever its role, so this one update runs as the
// tenant's system actor on the user's own record only.
func (a *app) saveUserLanguage(r *http.Request, l string) error {
	rc := reqCtx(r)
	sys := identity.SystemFor(rc.user.TenantID)
	sys.RequestID = requestID(r)
	ctx := identity.WithActor(r.Context(), sys)
	u, err := a.Users.User(ctx, rc.user.ID)
	if err != nil {
		return err
	}
	u.Language = l
	return a.Users.UpdateUser(ctx, &u)
}

// loginURL returns the login path with query q.
func loginURL(q url.Values) string {
	if len(q) == 0 {
		return "/admin/login"
	}
	return "/admin/login?" + q.Encode()
}
