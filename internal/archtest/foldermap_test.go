package archtest

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// foldersInMap returns the folders README's "Folders" table lists, in order.
func foldersInMap(t *testing.T, readme string) []string {
	t.Helper()
	start := strings.Index(readme, "\n## Folders")
	if start < 0 {
		t.Fatal(`README.md has no "## Folders" section (the folder map)`)
	}
	section := readme[start+1:]
	if end := strings.Index(section, "\n## "); end > 0 {
		section = section[:end]
	}
	var out []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(section, -1) {
		out = append(out, strings.TrimSuffix(m[1], "/"))
	}
	return out
}

// ignoredByGit reports whether folder name matches a pattern of the
// repository's .gitignore that names folders by their name (such as
// "mietwerk-data/", what the demo writes where it is started): such a folder
// is local data, not part of the tree.
func ignoredByGit(t *testing.T, top, name string) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(top, ".gitignore"))
	if err != nil {
		return false
	}
	for _, p := range strings.Split(string(b), "\n") {
		p = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(p), "/"), "/")
		if p == "" || strings.HasPrefix(p, "#") || strings.HasPrefix(p, "!") {
			continue
		}
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}

// treeFolders lists the folders the map must name: every top-level folder
// (hidden ones too, except .git) and every folder directly under adapter/,
// internal/ and cmd/mietwerk/, less what .gitignore names.
func treeFolders(t *testing.T, top string) []string {
	t.Helper()
	var out []string
	list := func(dir string) []string {
		ents, err := os.ReadDir(filepath.Join(top, dir))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			if e.IsDir() && e.Name() != ".git" && e.Name() != "testdata" && !ignoredByGit(t, top, e.Name()) {
				names = append(names, filepath.ToSlash(filepath.Join(dir, e.Name())))
			}
		}
		return names
	}
	for _, d := range list(".") {
		switch d {
		case "adapter", "internal", "cmd":
			// the map names their subfolders
		default:
			out = append(out, d)
		}
	}
	for _, parent := range []string{"adapter", "internal", "cmd/mietwerk"} {
		out = append(out, list(parent)...)
	}
	if _, err := os.Stat(filepath.Join(top, "cmd", "mietwerk")); err == nil {
		out = append(out, "cmd/mietwerk")
	}
	sort.Strings(out)
	return out
}

// TestFolderMapComplete: README's folder map names every top-level folder
// and every folder under adapter/, internal/ and cmd/mietwerk/, and names
// no folder that does not exist.
func TestFolderMapComplete(t *testing.T) {
	top := root(t)
	b, err := os.ReadFile(filepath.Join(top, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	mapped := foldersInMap(t, string(b))
	inMap := map[string]bool{}
	for _, f := range mapped {
		inMap[f] = true
	}
	for _, f := range treeFolders(t, top) {
		if !inMap[f] {
			t.Errorf("folder %s is missing from README's folder map (section \"Folders\"): add a row saying what it holds", f)
		}
	}
	for _, f := range mapped {
		if fi, err := os.Stat(filepath.Join(top, f)); err != nil || !fi.IsDir() {
			t.Errorf("README's folder map lists %s, which is not a folder of the repository", f)
		}
	}
}

// TestFolderMapParse: the map is read from its own section only.
func TestFolderMapParse(t *testing.T) {
	readme := "# X\n\n## Commands\n\n| `serve` | runs |\n\n## Folders\n\n| folder | what |\n|---|---|\n| `api` | the API |\n| `adapter/store/` | SQL |\n\n## Dependencies\n\n| `modernc.org/sqlite` | db |\n"
	got := strings.Join(foldersInMap(t, readme), ",")
	if got != "api,adapter/store" {
		t.Errorf("folders = %q, want api,adapter/store", got)
	}
}
