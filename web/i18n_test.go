package web

import (
	"sort"
	"testing"

	"mietwerk.dev/mietwerk/internal/tmplkeys"
	"mietwerk.dev/mietwerk/locale"
)

// TestTemplateKeysExist fails when an admin template names a text that the
// catalog lacks.
func TestTemplateKeysExist(t *testing.T) {
	sets, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{}
	for page, set := range sets {
		for _, tm := range set.Templates() {
			for k := range tmplkeys.Keys(tm.Tree, "T") {
				keys[k] = append(keys[k], page+"/"+tm.Name())
			}
		}
	}
	if len(keys) < 300 {
		t.Fatalf("found only %d keys in the templates: the scan is broken", len(keys))
	}
	var missing []string
	for k, pages := range keys {
		if !locale.Has(locale.Key(k)) {
			missing = append(missing, k+" (in "+pages[0]+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("template text %s is not in the catalog", m)
	}
}
