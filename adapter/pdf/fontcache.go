package pdf

import (
	"reflect"
	"sync"
	"unsafe"

	"codeberg.org/go-pdf/fpdf"
)

// Parsing the two embedded DejaVu fonts (and fpdf's JSON fingerprint of
// each) took about a third of the time of every document. fpdf keeps the
// parsed fonts in unexported fields and has no API to share them, so the
// fonts are parsed once into a prototype document and each new document
// gets copies of its font definitions:
//
//   - the font definition struct is copied by value (metrics, widths, id);
//   - the parsed TrueType file (*utf8FontFile) is copied shallowly with a
//     reader of its own over the same read-only font bytes: fpdf's subset
//     generator (GenerateCutFont, at Output) resets every field it works
//     with by assigning fresh maps and slices, never mutating the parsed
//     ones in place, so the prototype stays untouched;
//   - the set of used runes, which text output adds to, is a fresh copy.
//
// The output is byte-for-byte what AddUTF8FontFromBytes gives
// (TestFontCacheIdenticalOutput renders every document type both ways).
// The layout of fpdf's internals is checked once; when it is not what this
// code knows (another fpdf version), addFonts falls back to parsing per
// document, which is slower but correct.

// fontCache holds the prototype with the parsed fonts, or ok=false.
type fontCache struct {
	once  sync.Once
	ok    bool
	fonts reflect.Value // map[string]fontDefType of the prototype
}

var fonts fontCache

// useFontCache is switched off by tests to compare against the slow path.
var useFontCache = true

// addFonts adds the embedded regular and bold fonts to f.
func addFonts(f *fpdf.Fpdf) {
	if useFontCache && fonts.load() {
		fonts.copyInto(f)
		return
	}
	addFontsParsed(f)
}

// addFontsParsed is the plain fpdf way: parse both fonts for f.
func addFontsParsed(f *fpdf.Fpdf) {
	f.AddUTF8FontFromBytes(fontFamily, "", fontRegular)
	f.AddUTF8FontFromBytes(fontFamily, "B", fontBold)
}

// field returns the (unexported) field name of struct value v as a
// settable value, or an invalid value when there is none.
func field(v reflect.Value, name string) reflect.Value {
	f := v.FieldByName(name)
	if !f.IsValid() || !f.CanAddr() {
		return reflect.Value{}
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}

// load parses the fonts into a prototype once and reports whether fpdf's
// internals look as expected.
func (c *fontCache) load() bool {
	c.once.Do(func() {
		proto := fpdf.New("P", "mm", "A4", "")
		addFontsParsed(proto)
		if proto.Err() {
			return
		}
		m := field(reflect.ValueOf(proto).Elem(), "fonts")
		if !m.IsValid() || m.Kind() != reflect.Map || m.Type().Key().Kind() != reflect.String || m.Len() != 2 {
			return
		}
		def := m.Type().Elem()
		u, ok := def.FieldByName("utf8File")
		if !ok || u.Type.Kind() != reflect.Pointer || u.Type.Elem().Kind() != reflect.Struct {
			return
		}
		r, ok := u.Type.Elem().FieldByName("fileReader")
		if !ok || r.Type.Kind() != reflect.Pointer || r.Type.Elem().Kind() != reflect.Struct {
			return
		}
		if p, ok := r.Type.Elem().FieldByName("readerPosition"); !ok || p.Type.Kind() != reflect.Int64 {
			return
		}
		if ur, ok := def.FieldByName("usedRunes"); !ok || ur.Type != reflect.TypeFor[map[int]int]() {
			return
		}
		for _, k := range m.MapKeys() {
			if m.MapIndex(k).FieldByName("utf8File").IsNil() {
				return
			}
		}
		c.fonts, c.ok = m, true
	})
	return c.ok
}

// copyInto gives f its own copies of the prototype's font definitions.
func (c *fontCache) copyInto(f *fpdf.Fpdf) {
	dst := field(reflect.ValueOf(f).Elem(), "fonts")
	for _, key := range c.fonts.MapKeys() {
		def := reflect.New(c.fonts.Type().Elem()).Elem()
		def.Set(c.fonts.MapIndex(key))

		file := field(def, "utf8File")
		fileCopy := reflect.New(file.Type().Elem())
		fileCopy.Elem().Set(file.Elem())
		reader := field(fileCopy.Elem(), "fileReader")
		readerCopy := reflect.New(reader.Type().Elem())
		readerCopy.Elem().Set(reader.Elem())
		field(readerCopy.Elem(), "readerPosition").SetInt(0)
		reader.Set(readerCopy)
		file.Set(fileCopy)

		runes := field(def, "usedRunes")
		runesCopy := make(map[int]int, runes.Len()+64)
		for k, v := range runes.Interface().(map[int]int) {
			runesCopy[k] = v
		}
		runes.Set(reflect.ValueOf(runesCopy))

		dst.SetMapIndex(key, def)
	}
}
