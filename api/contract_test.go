package api_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/api"
)

// documentedOps returns "METHOD path" → sorted statuses of the OpenAPI document.
func documentedOps(t *testing.T) map[string][]string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	must(t, json.Unmarshal(api.OpenAPI(), &doc))
	out := map[string][]string{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			var op struct {
				Responses map[string]json.RawMessage `json:"responses"`
			}
			must(t, json.Unmarshal(raw, &op))
			var codes []string
			for c := range op.Responses {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			out[strings.ToUpper(method)+" "+path] = codes
		}
	}
	return out
}

// TestServerDocumentAndREADMEAgree: the routes the server registers under
// /api/v1 are exactly the document's operations, and README's Booking API
// table lists every operation with every documented status.
func TestServerDocumentAndREADMEAgree(t *testing.T) {
	ops := documentedOps(t)
	files, err := filepath.Glob("*.go")
	must(t, err)
	var routes []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		must(t, err)
		for _, m := range regexp.MustCompile(`(?:mux\.Handle(?:Func)?\(|s\.mount\(mux, )"([A-Z]+ /api/v1/[^"]+)"`).FindAllStringSubmatch(string(src), -1) {
			if !strings.HasPrefix(m[1], "OPTIONS ") {
				routes = append(routes, m[1])
			}
		}
	}
	var documented []string
	for op := range ops {
		documented = append(documented, op)
	}
	sort.Strings(routes)
	sort.Strings(documented)
	if !slices.Equal(routes, documented) {
		t.Errorf("server routes and OpenAPI operations differ:\nserver   %q\ndocument %q", routes, documented)
	}

	readme, err := os.ReadFile("../README.md")
	must(t, err)
	text := string(readme)
	start := strings.Index(text, "## Booking API")
	if start < 0 {
		t.Fatal("README has no Booking API section")
	}
	section := text[start:]
	if end := strings.Index(section[3:], "\n## "); end > 0 {
		section = section[:end+3]
	}
	rows := map[string]string{}
	for _, line := range strings.Split(section, "\n") {
		if m := regexp.MustCompile("^\\| `([A-Z]+ /api/v1/[^`]+)` \\|(.*)\\|$").FindStringSubmatch(line); m != nil {
			rows[m[1]] = m[2]
		}
	}
	for op, codes := range ops {
		row, ok := rows[op]
		if !ok {
			t.Errorf("README does not list %s", op)
			continue
		}
		got := regexp.MustCompile(`\b[1-5][0-9][0-9]\b`).FindAllString(row, -1)
		sort.Strings(got)
		if !slices.Equal(got, codes) {
			t.Errorf("README lists %s with %v, the document with %v", op, got, codes)
		}
	}
	for op := range rows {
		if _, ok := ops[op]; !ok {
			t.Errorf("README lists %s, which the document does not have", op)
		}
	}
}
