package archtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dialectBranch matches code that asks which database it runs on: a
// comparison with, or a case of, store.SQLite / store.Postgres (or the
// dialect names as strings).
var dialectBranch = regexp.MustCompile(`(==|!=)\s*(store\.)?(SQLite|Postgres)\b|\b(store\.)?(SQLite|Postgres)\s*(==|!=)|` +
	`case\s+(store\.)?(SQLite|Postgres)\b|(==|!=)\s*"(sqlite|postgres)"|Dialect\(\)\s*(==|!=)`)

// TestOneDialectSeam: non-test code never branches on the database; every
// difference between SQLite and PostgreSQL is a method of the store's
// dialect (adapter/store/dialect.go), named after what it is for.
func TestOneDialectSeam(t *testing.T) {
	top := root(t)
	seam := filepath.Join(top, "adapter", "store", "dialect.go")
	for _, path := range goFiles(t) {
		if path == seam {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			code, _, _ := strings.Cut(line, "//")
			if dialectBranch.MatchString(code) {
				rel, _ := filepath.Rel(top, path)
				t.Errorf("%s:%d branches on the database (%s): make it a method of the store's dialect (adapter/store/dialect.go)",
					filepath.ToSlash(rel), i+1, strings.TrimSpace(code))
			}
		}
	}
}

func TestDialectBranchPattern(t *testing.T) {
	for line, want := range map[string]bool{
		`if s.dialect == Postgres {`:        true,
		`if st.Dialect() == store.SQLite {`: true,
		`case SQLite:`:                      true,
		`if SQLite != d {`:                  true,
		`if dialect == "postgres" {`:        true,
		`lock := s.dialect.skipLocked()`:    false,
		`return Postgres`:                   false,
		`"mietwerk_sqlite_commits_total"`:   false,
	} {
		if got := dialectBranch.MatchString(line); got != want {
			t.Errorf("%q: match %v, want %v", line, got, want)
		}
	}
}
