package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/api"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestOpenAPILint runs the two linters integrators use on the served
// document, Spectral with its spectral:oas ruleset and Redocly with its
// recommended rules, and wants no finding of any severity from either (one
// Redocly finding is ignored with its reason in
// testdata/oaslint/redocly.lint-ignore.yaml). The tools' versions are
// pinned in testdata/oaslint and installed once per machine into the user
// cache.
func TestOpenAPILint(t *testing.T) {
	bin := testenv.NPMTools(t, filepath.Join("testdata", "oaslint"))
	dir := t.TempDir()
	doc := filepath.Join(dir, "openapi.json")
	must(t, os.WriteFile(doc, api.OpenAPI(), 0o644))
	ruleset := filepath.Join(dir, ".spectral.yaml")
	must(t, os.WriteFile(ruleset, []byte("extends: [\"spectral:oas\"]\n"), 0o644))
	ignore, err := os.ReadFile(filepath.Join("testdata", "oaslint", "redocly.lint-ignore.yaml"))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, ".redocly.lint-ignore.yaml"), ignore, 0o644))
	run := func(t *testing.T, name string, args ...string) []byte {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if len(bytes.TrimSpace(out)) == 0 {
			t.Fatalf("%s printed nothing: %v\n%s", name, err, stderr.String())
		}
		return out
	}
	t.Run("spectral", func(t *testing.T) {
		var found []struct {
			Code     string `json:"code"`
			Message  string `json:"message"`
			Path     []any  `json:"path"`
			Severity int    `json:"severity"`
		}
		out := run(t, "spectral", "lint", "--ruleset", ruleset, "--format", "json", "--quiet", doc)
		if err := json.Unmarshal(out, &found); err != nil {
			t.Fatalf("spectral: %v\n%s", err, out)
		}
		var lines []string
		for _, p := range found {
			lines = append(lines, fmt.Sprintf("%s (severity %d) at %v: %s", p.Code, p.Severity, p.Path, p.Message))
		}
		if len(lines) > 0 {
			t.Errorf("spectral:oas finds %d problems:\n%s", len(lines), strings.Join(lines, "\n"))
		}
	})
	t.Run("redocly", func(t *testing.T) {
		var res struct {
			Totals   struct{ Errors, Warnings, Ignored int }
			Problems []struct {
				RuleID   string `json:"ruleId"`
				Severity string `json:"severity"`
				Message  string `json:"message"`
				Location []struct {
					Pointer string `json:"pointer"`
				} `json:"location"`
			}
		}
		out := run(t, "redocly", "lint", "--format", "json", "--max-problems", "500", doc)
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("redocly: %v\n%s", err, out)
		}
		var lines []string
		for _, p := range res.Problems {
			lines = append(lines, fmt.Sprintf("%s (%s) at %v: %s", p.RuleID, p.Severity, p.Location, p.Message))
		}
		if res.Totals.Errors+res.Totals.Warnings > 0 || len(lines) > 0 {
			t.Errorf("redocly recommended finds %d errors, %d warnings:\n%s", res.Totals.Errors, res.Totals.Warnings, strings.Join(lines, "\n"))
		}
		if res.Totals.Ignored != 1 {
			t.Errorf("redocly ignored %d findings, want exactly the one in redocly.lint-ignore.yaml", res.Totals.Ignored)
		}
	})
}
