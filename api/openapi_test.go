package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"mietwerk.dev/mietwerk/api"
)

// The official OpenAPI 3.1 meta-schemas (see testdata/README.md).
const (
	oasSchemaID  = "https://spec.openapis.org/oas/3.1/schema/2022-02-27"
	oasDialectID = "https://spec.openapis.org/oas/3.1/dialect/base"
	oasMetaID    = "https://spec.openapis.org/oas/3.1/meta/base"
)

// oasValidator checks a document against the official meta-schema and
// every Schema Object in it against the official OAS 3.1 dialect (JSON
// Schema 2020-12, built into the library, plus the OAS base vocabulary).
type oasValidator struct {
	doc, dialect *jsonschema.Schema
}

func newOASValidator(t *testing.T) *oasValidator {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	for id, file := range map[string]string{oasSchemaID: "openapi-3.1-schema.json", oasDialectID: "openapi-3.1-dialect-base.json",
		oasMetaID: "openapi-3.1-meta-base.json"} {
		f, err := os.Open("testdata/" + file)
		must(t, err)
		v, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		must(t, err)
		must(t, c.AddResource(id, v))
	}
	var v oasValidator
	var err error
	v.doc, err = c.Compile(oasSchemaID)
	must(t, err)
	v.dialect, err = c.Compile(oasDialectID)
	must(t, err)
	return &v
}

// validate returns every error of the document: the structure first, then
// each Schema Object by its JSON pointer.
func (v *oasValidator) validate(raw []byte) []string {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	var out []string
	if err := v.doc.Validate(doc); err != nil {
		out = append(out, err.Error())
	}
	var walk func(ptr string, n any)
	check := func(ptr string, s any) {
		if err := v.dialect.Validate(s); err != nil {
			out = append(out, ptr+": "+err.Error())
		}
	}
	walk = func(ptr string, n any) {
		switch x := n.(type) {
		case map[string]any:
			for k, c := range x {
				p := ptr + "/" + esc(k)
				switch {
				case k == "schema":
					check(p, c)
				case ptr == "/components/schemas":
					check(p, c)
				case k == "example" || k == "examples":
					// example values are data, not schemas
				default:
					walk(p, c)
				}
			}
		case []any:
			for i, c := range x {
				walk(fmt.Sprintf("%s/%d", ptr, i), c)
			}
		}
	}
	walk("", doc)
	return out
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	v := newOASValidator(t)
	if errs := v.validate(api.OpenAPI()); len(errs) > 0 {
		t.Fatalf("the served document is not valid OpenAPI 3.1:\n%s", strings.Join(errs, "\n"))
	}
	// The validator can fail: each broken copy must be rejected.
	tests := []struct {
		name   string
		break_ func(m map[string]any)
	}{
		{"openapi 3.0", func(m map[string]any) { m["openapi"] = "3.0.3" }},
		{"no title", func(m map[string]any) { delete(m["info"].(map[string]any), "title") }},
		{"unknown top-level field", func(m map[string]any) { m["paths2"] = map[string]any{} }},
		{"response without description", func(m map[string]any) {
			op := m["paths"].(map[string]any)["/api/v1/stations"].(map[string]any)["get"].(map[string]any)
			delete(op["responses"].(map[string]any)["200"].(map[string]any), "description")
		}},
		{"bad status key", func(m map[string]any) {
			op := m["paths"].(map[string]any)["/api/v1/stations"].(map[string]any)["get"].(map[string]any)
			op["responses"].(map[string]any)["2000"] = map[string]any{"description": "x"}
		}},
		{"invalid Schema Object type", func(m map[string]any) {
			for _, s := range m["components"].(map[string]any)["schemas"].(map[string]any) {
				s.(map[string]any)["type"] = "strin"
				return
			}
		}},
		{"invalid parameter schema", func(m map[string]any) {
			op := m["paths"].(map[string]any)["/api/v1/availability"].(map[string]any)["get"].(map[string]any)
			for _, p := range op["parameters"].([]any) {
				if s, ok := p.(map[string]any)["schema"].(map[string]any); ok {
					s["minLength"] = -1
					return
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			must(t, json.Unmarshal(api.OpenAPI(), &m))
			tc.break_(m)
			b, _ := json.Marshal(m)
			if errs := v.validate(b); len(errs) == 0 {
				t.Fatal("broken document accepted")
			}
		})
	}
}
