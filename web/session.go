package web

import (
	"net/http"
	"net/url"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/identity"
)

// sessionCookie holds the random session token; the server keeps only its hash.
const sessionCookie = "mw_session"

// cookiePath scopes every admin cookie to the admin application.
const cookiePath = "/admin"

// setSessionCookie sets the session cookie: HttpOnly, SameSite=Lax, Secure
// per configuration, a browser-session cookie (the server enforces timeouts).
func (a *app) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: cookiePath,
		HttpOnly: true, Secure: a.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// clearCookie deletes cookie name.
func (a *app) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: cookiePath, MaxAge: -1,
		HttpOnly: true, Secure: a.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// requireSession lets a request through only with a valid session: it loads
// session, user and tenant, puts the user's Actor into the context and picks
// the language. A state-changing request must carry the session's CSRF
// token (403 page otherwise). Without a valid session a page request is sent to the login
// page (keeping the requested URL for GET), an htmx request gets HX-Redirect.
func (a *app) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := reqCtx(r)
		c, err := r.Cookie(sessionCookie)
		token := ""
		if err == nil {
			token = c.Value
		}
		sess, user, err := a.Identity.Authenticate(r.Context(), token)
		if errs.Is(err, errs.KindUnauthorized) {
			if token != "" {
				a.clearCookie(w, sessionCookie)
			}
			a.toLogin(w, r, token != "")
			return
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		actor := user.Actor()
		actor.RequestID = requestID(r)
		ctx := identity.WithActor(r.Context(), actor)
		rc.token, rc.session, rc.user, rc.actor = token, sess, &user, actor
		rc.lang = chooseLang(r, &user)
		if unsafeMethod(r.Method) && !a.requireToken(w, r) {
			return
		}
		rc.tenant, err = a.Tenancy.Tenant(ctx)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// toLogin redirects to the login page. For GET requests the requested path
// is passed along as next, so the user returns there after signing in.
func (a *app) toLogin(w http.ResponseWriter, r *http.Request, expired bool) {
	q := url.Values{}
	if r.Method == http.MethodGet && r.Header.Get("HX-Request") == "" {
		if next := afterLogin(r.URL.RequestURI()); next != "/admin/" {
			q.Set("next", next)
		}
	}
	if expired {
		q.Set("expired", "1")
	}
	target := loginURL(q)
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext returns p when it is a relative path inside the admin application
// (no scheme, no host, no protocol-relative or backslash tricks), else "".
func safeNext(p string) string {
	if p == "" || len(p) > 2000 || !strings.HasPrefix(p, "/admin") ||
		strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	if u.Path != "/admin" && !strings.HasPrefix(u.Path, "/admin/") {
		return ""
	}
	return u.RequestURI()
}

// afterLogin returns where to go after signing in: next when it is a safe
// admin page other than the sign-in and sign-out pages, else the dashboard.
func afterLogin(next string) string {
	next = safeNext(next)
	if next == "" || strings.HasPrefix(next, "/admin/login") || strings.HasPrefix(next, "/admin/logout") ||
		strings.HasPrefix(next, "/admin/lang") {
		return "/admin/"
	}
	return next
}

// admin lets only tenant administrators through; others get the 403 page.
func (a *app) admin(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !reqCtx(r).actor.IsAdmin() {
			return errAdminOnly
		}
		return h(w, r)
	}
}

// actorOf returns the signed-in actor of r.
func actorOf(r *http.Request) identity.Actor { return reqCtx(r).actor }

// requestID returns the request id of r.
func requestID(r *http.Request) string { return httpx.RequestID(r.Context()) }
