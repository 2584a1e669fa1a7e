package archtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docFiles are README.md and the Markdown files under docs/.
func docFiles(t *testing.T, top string) []string {
	t.Helper()
	files := []string{filepath.Join(top, "README.md")}
	more, err := filepath.Glob(filepath.Join(top, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(more) < 4 {
		t.Fatalf("docs/ has %d Markdown files, want README, architecture, performance and decisions", len(more))
	}
	return append(files, more...)
}

var (
	mdLink   = regexp.MustCompile(`\]\(([^)#\s]*)(#[^)\s]*)?\)`)
	codePath = regexp.MustCompile("`((?:[A-Za-z0-9_.-]+/)+[A-Za-z0-9_.-]+\\.(?:go|md|sql))`")
)

// TestDocsPointIntoTheRepository: every relative link in README.md and
// docs/*.md, and every file path written in code style there (`a/b.go`),
// names a file or folder of the repository; nothing points outside it
// (absolute paths, ../ above the root, file: links).
func TestDocsPointIntoTheRepository(t *testing.T) {
	top := root(t)
	for _, f := range docFiles(t, top) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(top, f)
		text := string(b)
		for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if target == "" || strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			p := filepath.Clean(filepath.Join(filepath.Dir(f), target))
			inside, _ := filepath.Rel(top, p)
			if strings.HasPrefix(target, "/") || strings.HasPrefix(target, "file:") || strings.HasPrefix(inside, "..") {
				t.Errorf("%s links to %s, outside the repository", rel, target)
				continue
			}
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s links to %s, which does not exist", rel, target)
			}
		}
		for _, m := range codePath.FindAllStringSubmatch(text, -1) {
			if strings.HasPrefix(m[1], "/") {
				t.Errorf("%s names %s, outside the repository", rel, m[1])
				continue
			}
			if _, err := os.Stat(filepath.Join(top, m[1])); err != nil {
				t.Errorf("%s names the file %s, which does not exist (moved?)", rel, m[1])
			}
		}
	}
}

// TestDependenciesExplained: every module go.mod requires directly has a row
// in the dependency table of docs/decisions.md, and every row names one.
func TestDependenciesExplained(t *testing.T) {
	top := root(t)
	mod, err := os.ReadFile(filepath.Join(top, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(top, "docs", "decisions.md"))
	if err != nil {
		t.Fatal(err)
	}
	direct := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(\S+) v\S+\s*$`).FindAllStringSubmatch(string(mod), -1) {
		direct[m[1]] = true // lines with "// indirect" do not match
	}
	if len(direct) < 5 {
		t.Fatalf("read only %d direct requirements from go.mod", len(direct))
	}
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		rows[m[1]] = true
	}
	for m := range direct {
		if !rows[m] {
			t.Errorf("go.mod requires %s, but docs/decisions.md does not say why (add a row to its dependency table)", m)
		}
	}
	for m := range rows {
		if strings.Contains(m, ".") && strings.Contains(m, "/") && !direct[m] {
			t.Errorf("docs/decisions.md explains %s, which go.mod does not require directly", m)
		}
	}
}
