package web

import (
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/httpx"
)

// errorApp is an app whose log is captured, serving one handler through
// the one adapter (app.handle) behind the request-id middleware.
func errorApp(t *testing.T, h handler) (http.Handler, *bytes.Buffer) {
	t.Helper()
	tm, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	a := &app{log: slog.New(slog.NewJSONHandler(&log, nil)), tmpl: tm}
	return a.baseContext(a.handle(h)), &log
}

// TestHandlerErrorsUseTheOneStatusTable: whatever kind of error a page
// returns, the adapter answers it with the status of httpx's one kind→status
// table (a plain error: 500).
func TestHandlerErrorsUseTheOneStatusTable(t *testing.T) {
	kinds := []errs.Kind{errs.KindInvalid, errs.KindNotFound, errs.KindConflict, errs.KindUnauthorized, errs.KindForbidden,
		errs.KindPaymentDecline, errs.KindUnavailable, errs.KindRateLimited, errs.KindUnsupportedMedia, errs.KindInternal}
	cases := []error{errors.New("boom"), errNotFound, errAdminOnly}
	for _, k := range kinds {
		cases = append(cases, errs.New(k, "err.title"))
	}
	for _, e := range cases {
		h, _ := errorApp(t, func(http.ResponseWriter, *http.Request) error { return e })
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/admin/x", nil))
		if want := httpx.Status(e); rec.Code != want {
			t.Errorf("%v: status %d, want %d (httpx.Status)", e, rec.Code, want)
		}
	}
	h, _ := errorApp(t, func(http.ResponseWriter, *http.Request) error {
		return pageError{http.StatusBadRequest, "err.400.control"}
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/admin/x", nil))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("pageError: status %d, want 400", rec.Code)
	}
}

// TestErrorPagesCarryAReferenceInTheLog: an unexpected error's page shows a
// reference that the log has with the error; so does a 404 answering a
// POST (a change that ends on an error page must be traceable). The
// expected error's own text (catalog, reader's language) is on its page.
func TestErrorPagesCarryAReferenceInTheLog(t *testing.T) {
	for _, c := range []struct {
		method string
		err    error
		status int
		page   string
	}{
		{"GET", errors.New("database exploded"), 500, ""},
		{"POST", errs.NotFound("booking_not_found"), 404, "Buchung nicht gefunden"},
	} {
		h, log := errorApp(t, func(http.ResponseWriter, *http.Request) error { return c.err })
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, "/admin/x", nil))
		if rec.Code != c.status {
			t.Fatalf("%s: status %d", c.err, rec.Code)
		}
		id := rec.Header().Get(httpx.RequestIDHeader)
		if id == "" || !strings.Contains(rec.Body.String(), id) {
			t.Errorf("%s: the page does not show the reference %q", c.err, id)
		}
		if !strings.Contains(log.String(), `"request_id":"`+id+`"`) || !strings.Contains(log.String(), c.err.Error()) {
			t.Errorf("%s: the log lacks the reference %q with the error: %s", c.err, id, log.String())
		}
		if c.page != "" && !strings.Contains(rec.Body.String(), c.page) {
			t.Errorf("%s: the page does not say %q", c.err, c.page)
		}
	}
}

// TestWebHandlerRules keeps the shape of the admin web: no init() fills
// global state, routes are registered in routes.go only, and no page
// answers errors by itself with the old fail-and-return (only the adapter,
// middlewares and the form renderers call fail and errorPage).
func TestWebHandlerRules(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	allowedFail := map[string]bool{"errors.go": true, "render.go": true, "csrf.go": true, "session.go": true, "login.go": true,
		"web.go": true}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if fd.Name.Name == "init" && fd.Recv == nil {
				t.Errorf("%s: func init() — build the state where it is declared (see templateFuncs)", name)
			}
			if fd.Body == nil {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				switch sel.Sel.Name {
				case "Handle", "HandleFunc":
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "mux" && name != "routes.go" && name != "bookingpage.go" {
						t.Errorf("%s: %s registers a route; routes belong in routes.go", name, fd.Name.Name)
					}
				}
				return true
			})
			// a page handler (returns error, takes w and r) never calls fail itself
			if fd.Type.Results != nil && len(fd.Type.Results.List) == 1 && !allowedFail[name] {
				if id, ok := fd.Type.Results.List[0].Type.(*ast.Ident); ok && id.Name == "error" && bytes.Contains(src[fset.Position(fd.Body.Pos()).Offset:fset.Position(fd.Body.End()).Offset], []byte("a.fail(")) {
					t.Errorf("%s: %s calls a.fail; return the error instead", name, fd.Name.Name)
				}
			}
		}
	}
}
