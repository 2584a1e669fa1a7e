// Package archtest holds the tests that keep the tree's shape: which package
// may import which (in the style of Tailscale's tstest/deptest), README's
// folder map, and the places that grant system rights.
package archtest

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "mietwerk.dev/mietwerk"

// pkg is one package of the module with the imports of its non-test files.
type pkg struct {
	rel     string // path below the module root: "booking", "adapter/store"
	imports []string
}

// root returns the module root (two levels above this package).
func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", dir, err)
	}
	return dir
}

// packages lists every package of the module (testdata and hidden folders
// skipped) with the imports of its non-test files, as the go command would
// build them for this platform. Test files may wire real parts together
// (the standards want real databases and the simulator in tests), so they
// are not checked.
func packages(t *testing.T) []pkg {
	t.Helper()
	top := root(t)
	var out []pkg
	err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if path != top && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		bp, err := build.ImportDir(path, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(top, path)
		out = append(out, pkg{rel: filepath.ToSlash(rel), imports: bp.Imports})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 20 {
		t.Fatalf("found only %d packages under %s; is the walk broken?", len(out), top)
	}
	return out
}

// skipDir reports whether a walk of the module skips the folder: hidden and
// underscore folders and testdata hold no packages of the module.
func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata"
}

// goFiles lists the module's non-test Go files (absolute paths).
func goFiles(t *testing.T) []string {
	t.Helper()
	top := root(t)
	var out []string
	err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != top && skipDir(d.Name()):
			return filepath.SkipDir
		case !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("found only %d Go files under %s; is the walk broken?", len(out), top)
	}
	return out
}

// layer names where a package sits.
type layer string

const (
	layerCmd      layer = "cmd"      // cmd/...: wiring only
	layerAdapter  layer = "adapter"  // adapter/<name>: outbound adapters
	layerInbound  layer = "inbound"  // api, web, httpx: HTTP in front of the domain
	layerInternal layer = "internal" // internal/...: shared helpers
	layerDomain   layer = "domain"   // everything else at the root: capabilities
)

func layerOf(rel string) layer {
	first, _, _ := strings.Cut(rel, "/")
	switch first {
	case "cmd":
		return layerCmd
	case "adapter":
		return layerAdapter
	case "internal":
		return layerInternal
	case "api", "web", "httpx":
		return layerInbound
	}
	return layerDomain
}

// adapterOf returns "adapter/store" for "adapter/store/x", "" outside adapter/.
func adapterOf(rel string) string {
	parts := strings.Split(rel, "/")
	if len(parts) < 2 || parts[0] != "adapter" {
		return ""
	}
	return parts[0] + "/" + parts[1]
}

// hasPrefixPath reports whether imp is p or a package below p.
func hasPrefixPath(imp, p string) bool { return imp == p || strings.HasPrefix(imp, p+"/") }

// storageOrHTTP are the imports the domain never has: HTTP, SQL and its
// drivers, templates. Each with the reason.
var storageOrHTTP = map[string]string{
	"net/http":                    "HTTP belongs to api, web and httpx",
	"database/sql":                "SQL belongs to adapter/store",
	"github.com/jackc/pgx":        "database drivers belong to adapter/store",
	"modernc.org/sqlite":          "database drivers belong to adapter/store",
	"github.com/lib/pq":           "database drivers belong to adapter/store",
	"html/template":               "templates belong to web, api and adapter/mailtmpl",
	"text/template":               "templates belong to adapter/mailtmpl",
	"github.com/wneessen/go-mail": "SMTP belongs to adapter/smtp and internal/mailmime",
	"codeberg.org/go-pdf/fpdf":    "PDF belongs to adapter/pdf",
}

// exception is a deliberate break of a rule: package, import, reason.
type exception struct{ pkg, imp string }

// exceptions are the deliberate breaks of the rules below, each with why.
// The test fails when one is no longer needed, so the list stays true.
var exceptions = map[exception]string{
	{"httpx", "database/sql"}: "httpx.Metrics.ObserveDB exports the connection pool statistics of a *sql.DB " +
		"(Prometheus' DBStatsCollector takes one); it runs no SQL",
}

// violations applies the import rules to the packages and returns one line
// per broken rule, and the exceptions that were used.
func violations(pkgs []pkg) (bad []string, used map[exception]bool) {
	used = map[exception]bool{}
	report := func(p pkg, imp, why string) {
		if _, ok := exceptions[exception{p.rel, imp}]; ok {
			used[exception{p.rel, imp}] = true
			return
		}
		bad = append(bad, p.rel+" imports "+imp+": "+why)
	}
	for _, p := range pkgs {
		l := layerOf(p.rel)
		for _, imp := range p.imports {
			own, inModule := strings.CutPrefix(imp, module+"/")
			if !inModule && imp == module {
				own, inModule = "", true
			}
			// nothing outside cmd/ imports cmd/
			if inModule && layerOf(own) == layerCmd && l != layerCmd {
				report(p, imp, "cmd/ is the top: nothing imports it")
			}
			// test helpers stay in tests
			if inModule && hasPrefixPath(own, "internal/testenv") {
				report(p, imp, "internal/testenv starts test services; only tests import it")
			}
			// only cmd/ imports the store: everything else gets storage through interfaces
			if inModule && hasPrefixPath(own, "adapter/store") && l != layerCmd && adapterOf(p.rel) != "adapter/store" {
				report(p, imp, "only cmd/ wires the store; take the domain's store interface instead")
			}
			switch l {
			case layerDomain:
				for bad, why := range storageOrHTTP {
					if hasPrefixPath(imp, bad) {
						report(p, imp, "the domain never imports HTTP, SQL, drivers or templates: "+why)
					}
				}
				if inModule {
					switch layerOf(own) {
					case layerAdapter, layerInbound:
						report(p, imp, "the domain never imports adapters or HTTP handlers: inject them through an interface the domain owns")
					}
				}
			case layerAdapter:
				if inModule && layerOf(own) == layerAdapter && adapterOf(own) != adapterOf(p.rel) {
					report(p, imp, "adapters never import each other: cmd/ connects them through domain interfaces")
				}
				if inModule && layerOf(own) == layerInbound {
					report(p, imp, "adapters never import the HTTP handlers")
				}
			case layerInbound:
				if inModule && layerOf(own) == layerAdapter {
					report(p, imp, "web, api and httpx never import adapters: cmd/ hands them in through interfaces")
				}
				for _, drv := range []string{"database/sql", "github.com/jackc/pgx", "modernc.org/sqlite", "github.com/lib/pq"} {
					if hasPrefixPath(imp, drv) {
						report(p, imp, "HTTP handlers never touch SQL: "+storageOrHTTP[drv])
					}
				}
			case layerInternal:
				if inModule && (layerOf(own) == layerAdapter || layerOf(own) == layerInbound) {
					report(p, imp, "internal helpers sit below the adapters and handlers")
				}
			}
		}
	}
	sort.Strings(bad)
	return bad, used
}

// TestImportRules: the domain never imports net/http, database/sql, drivers
// or templates (nor adapters and handlers); adapters never import each other;
// only cmd/ imports adapter/store; api, web and httpx never import adapters;
// nothing imports cmd/ or, outside tests, internal/testenv. Deliberate
// exceptions are listed in exceptions with their reason.
func TestImportRules(t *testing.T) {
	bad, used := violations(packages(t))
	for _, b := range bad {
		t.Error(b)
	}
	for e, why := range exceptions {
		if !used[e] {
			t.Errorf("exception %s → %s (%s) is no longer needed: delete it from the list", e.pkg, e.imp, why)
		}
	}
}

// TestImportRulesCatch: each rule finds what it is about (a made-up tree).
func TestImportRulesCatch(t *testing.T) {
	m := func(p string) string { return module + "/" + p }
	cases := []struct {
		pkg pkg
		bad bool
	}{
		{pkg{"booking", []string{"context", m("tenancy"), m("errs")}}, false},
		{pkg{"booking", []string{"net/http"}}, true},
		{pkg{"booking", []string{"database/sql"}}, true},
		{pkg{"fleet", []string{"github.com/jackc/pgx/v5/pgconn"}}, true},
		{pkg{"invoice", []string{"html/template"}}, true},
		{pkg{"contract", []string{m("adapter/pdf")}}, true},
		{pkg{"contract", []string{m("web")}}, true},
		{pkg{"contract/contracttest", []string{m("adapter/store")}}, true},
		{pkg{"adapter/telecash", []string{m("adapter/telecashsim")}}, true},
		{pkg{"adapter/telecash", []string{m("payment"), m("tenancy"), "net/http"}}, false},
		{pkg{"adapter/store", []string{m("adapter/store/internal/x"), "database/sql"}}, false},
		{pkg{"adapter/pdf", []string{m("adapter/store")}}, true},
		{pkg{"web", []string{m("adapter/store")}}, true},
		{pkg{"api", []string{m("adapter/telecash")}}, true},
		{pkg{"api", []string{"database/sql"}}, true},
		{pkg{"web", []string{"html/template", "net/http", m("booking")}}, false},
		{pkg{"cmd/mietwerk", []string{m("adapter/store"), m("adapter/telecash"), m("web")}}, false},
		{pkg{"cmd/mietwerk/demo", []string{m("adapter/store")}}, false},
		{pkg{"booking", []string{m("cmd/mietwerk/demo")}}, true},
		{pkg{"adapter/pdf", []string{m("internal/testenv")}}, true},
		{pkg{"internal/mailmime", []string{m("adapter/smtp")}}, true},
	}
	for _, c := range cases {
		bad, _ := violations([]pkg{c.pkg})
		if got := len(bad) > 0; got != c.bad {
			t.Errorf("%s importing %v: violation %v, want %v (%v)", c.pkg.rel, c.pkg.imports, got, c.bad, bad)
		}
	}
}
