package locale

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Key names a text of the catalog, e.g. "fleet.open_damages" or, for the
// stable codes of errors, "vehicle_overlap". Every constant converted to Key
// in Go source must be a key of the catalog (a test checks it).
type Key string

// Params are the named parameters of a text: {"max": Money(5000)}. Values
// are formatted in the reader's language (see Format).
type Params map[string]any

// Text is one catalog entry in one language: a plain text, or plural forms.
type Text struct {
	Zero  string // optional: for n = 0 ("keine offenen Schäden")
	One   string // for n = 1
	Other string // the text, or the plural form for every other n
}

// plural reports whether t has plural forms.
func (t Text) plural() bool { return t.One != "" || t.Zero != "" }

// UnmarshalJSON reads a text: a JSON string, or an object of plural forms
// {"one": …, "other": …} with an optional "zero".
func (t *Text) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte(`"`)) {
		*t = Text{}
		return json.Unmarshal(b, &t.Other)
	}
	var forms struct {
		Zero  *string `json:"zero"`
		One   *string `json:"one"`
		Other *string `json:"other"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&forms); err != nil {
		return fmt.Errorf("a text is a string or {\"one\", \"other\"[, \"zero\"]}: %w", err)
	}
	if forms.One == nil || forms.Other == nil {
		return fmt.Errorf("plural forms need \"one\" and \"other\"")
	}
	*t = Text{One: *forms.One, Other: *forms.Other}
	if forms.Zero != nil {
		t.Zero = *forms.Zero
	}
	return nil
}

// Catalog holds the texts of every language by key.
type Catalog struct {
	texts map[Lang]map[Key]Text
	files map[Key]string // where each key is defined, for messages
}

//go:embed messages
var messages embed.FS

var keyPattern = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*$`)

// Load reads a catalog from fsys: one folder per language (de, en), each
// with the same JSON files of key → text. It fails on malformed JSON, a key
// defined twice, a malformed key, or a language folder that is missing.
func Load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{texts: map[Lang]map[Key]Text{}, files: map[Key]string{}}
	for _, l := range Langs {
		files, err := fs.Glob(fsys, string(l)+"/*.json")
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("locale: no texts for %s", l)
		}
		c.texts[l] = map[Key]Text{}
		for _, f := range files {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, err
			}
			var m map[Key]Text
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("locale: %s: %w", f, err)
			}
			for k, t := range m {
				if !keyPattern.MatchString(string(k)) {
					return nil, fmt.Errorf("locale: %s: malformed key %q (lower case, digits, _ and dots)", f, k)
				}
				if _, dup := c.texts[l][k]; dup {
					return nil, fmt.Errorf("locale: %s: key %q is defined twice (also in %s)", f, k, c.files[k])
				}
				c.texts[l][k] = t
				if l == German {
					c.files[k] = path.Base(f)
				}
			}
		}
	}
	return c, nil
}

// Default is the catalog compiled into the binary, parsed on first use. The
// embedded files are checked by the package's tests, so a failure to parse
// them is a programming error and panics.
var Default = sync.OnceValue(func() *Catalog {
	sub, err := fs.Sub(messages, "messages")
	if err != nil {
		panic(err)
	}
	c, err := Load(sub)
	if err != nil {
		panic(err)
	}
	return c
})

// Has reports whether key is in the catalog (in German, the default).
func (c *Catalog) Has(key Key) bool {
	_, ok := c.texts[German][key]
	return ok
}

// Keys returns every key of language l, sorted.
func (c *Catalog) Keys(l Lang) []Key {
	out := make([]Key, 0, len(c.texts[l]))
	for k := range c.texts[l] {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Lookup returns the text of key in l.
func (c *Catalog) Lookup(l Lang, key Key) (Text, bool) {
	t, ok := c.texts[l][key]
	return t, ok
}

// T returns the text of key in language l with its parameters filled in.
// args are either one Params (named parameters) or positional values
// ({0}, {1}, …). A key missing in l falls back to German, then to the key
// itself, so that a gap shows but never breaks a page; a parameter that is
// not given stays as "{name}". Tests keep both from happening.
func (c *Catalog) T(l Lang, key Key, args ...any) string {
	l = l.Or()
	t, ok := c.texts[l][key]
	if !ok {
		if t, ok = c.texts[German][key]; !ok {
			return string(key)
		}
	}
	p := params(args)
	return c.fill(l, t.choose(p), p)
}

// params turns T's arguments into named parameters.
func params(args []any) Params {
	switch len(args) {
	case 0:
		return nil
	case 1:
		if p, ok := args[0].(Params); ok {
			return p
		}
	}
	p := make(Params, len(args))
	for i, a := range args {
		if m, ok := a.(Params); ok {
			for k, v := range m {
				p[k] = v
			}
			continue
		}
		p[strconv.Itoa(i)] = a
	}
	return p
}

// choose picks the plural form for the count in p ("n", else "0").
func (t Text) choose(p Params) string {
	if !t.plural() {
		return t.Other
	}
	v, ok := p["n"]
	if !ok {
		v = p["0"]
	}
	n, ok := count(v)
	switch {
	case !ok:
		return t.Other
	case n == 0 && t.Zero != "":
		return t.Zero
	case n == 1:
		return t.One
	}
	return t.Other
}

func count(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case Km:
		return int64(n), true
	}
	return 0, false
}

// fill replaces each {name} in s by the formatted parameter; unknown names
// stay as they are.
func (c *Catalog) fill(l Lang, s string, p Params) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		name := s[i+1 : i+j]
		v, ok := p[name]
		if !ok || !paramName(name) {
			b.WriteString(s[:i+j+1])
			s = s[i+j+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(c.Format(l, v))
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

var paramPattern = regexp.MustCompile(`\{([a-z0-9_]+)\}`)

func paramName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// ParamNames returns the parameters the text of key uses in any language
// and plural form, sorted.
func (c *Catalog) ParamNames(key Key) []string {
	var out []string
	for _, l := range Langs {
		out = append(out, textParams(c.texts[l][key])...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Problems lists what is wrong with the catalog: a key missing in a
// language, a text whose parameters differ between languages, plural forms
// in one language only, or a plural text without the "n" parameter. An
// empty list means the catalog is complete.
func (c *Catalog) Problems() []string {
	var out []string
	all := map[Key]bool{}
	for _, l := range Langs {
		for k := range c.texts[l] {
			all[k] = true
		}
	}
	keys := make([]Key, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var names [][]string
		var plural []bool
		for _, l := range Langs {
			t, ok := c.texts[l][k]
			if !ok {
				out = append(out, fmt.Sprintf("%s: no %s text", k, l))
				continue
			}
			if strings.TrimSpace(t.Other) == "" {
				out = append(out, fmt.Sprintf("%s: the %s text is empty", k, l))
			}
			ps := textParams(t)
			names = append(names, ps)
			plural = append(plural, t.plural())
			if t.plural() && !slices.Contains(ps, "n") && !slices.Contains(ps, "0") {
				out = append(out, fmt.Sprintf("%s: the %s plural forms do not use {n}", k, l))
			}
		}
		for i := 1; i < len(names); i++ {
			if !slices.Equal(names[0], names[i]) {
				out = append(out, fmt.Sprintf("%s: parameters differ between languages: %v vs %v", k, names[0], names[i]))
			}
		}
		if len(plural) == 2 && plural[0] != plural[1] {
			out = append(out, fmt.Sprintf("%s: plural forms in one language only", k))
		}
	}
	return out
}

// textParams returns the parameter names of all forms of t, sorted, without
// duplicates.
func textParams(t Text) []string {
	var out []string
	for _, s := range []string{t.Zero, t.One, t.Other} {
		for _, m := range paramPattern.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// T returns the text of key in l from the default catalog (see Catalog.T).
func T(l Lang, key Key, args ...any) string { return Default().T(l, key, args...) }

// T returns the text of key in l from the default catalog (see Catalog.T).
func (l Lang) T(key Key, args ...any) string { return Default().T(l, key, args...) }

// Has reports whether key is in the default catalog.
func Has(key Key) bool { return Default().Has(key) }
