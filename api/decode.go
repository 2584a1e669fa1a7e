package api

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// decodeAll reads a JSON body into v and returns a field error for every
// field the body gets wrong at once — each unknown field and each value of
// the wrong type, by dotted path ("customer.birth_date", "damages.0.x") —
// having decoded everything else, so that the handler can go on checking
// the rest and answer every invalid field in one 422. A body that is not
// JSON at all is one error (KindInvalid), as is a failed read.
func decodeAll(r *http.Request, v any) (errs.Fields, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	err = dec.Decode(&doc)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errTrailing
	}
	if err != nil {
		return nil, errs.New(errs.KindInvalid, "api.json_invalid")
	}
	var f errs.Fields
	doc = check(&f, "", doc, reflect.TypeOf(v).Elem())
	clean, err := json.Marshal(doc)
	if err == nil {
		err = json.Unmarshal(clean, v)
	}
	if err != nil { // check let through what the type cannot take: a bug in check
		return nil, err
	}
	return f, nil
}

var errTrailing = errorString("trailing data after the JSON value")

type errorString string

func (e errorString) Error() string { return string(e) }

// check returns x with every value that does not fit type t removed (a
// field error added for each, under path), so that the rest decodes.
func check(f *errs.Fields, path string, x any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if x == nil {
		return nil // null: the zero value, as encoding/json decodes it
	}
	name := func(p string) string {
		if p == "" {
			return "body"
		}
		return p
	}
	wrong := func(kind locale.Key) any {
		f.Add(name(path), kind)
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := x.(map[string]any)
		if !ok {
			return wrong("api.field_type_object")
		}
		fields := jsonFields(t)
		for k, v := range obj {
			ft, ok := fields[k]
			if !ok {
				f.Add(join(path, k), "api.field_unknown")
				delete(obj, k)
				continue
			}
			if c := check(f, join(path, k), v, ft); c == nil && v != nil {
				delete(obj, k)
			} else {
				obj[k] = c
			}
		}
		return obj
	case reflect.Slice:
		arr, ok := x.([]any)
		if !ok {
			return wrong("api.field_type_array")
		}
		out := make([]any, 0, len(arr))
		for i, v := range arr {
			if c := check(f, join(path, strconv.Itoa(i)), v, t.Elem()); c != nil || v == nil {
				out = append(out, c)
			} else {
				out = append(out, reflect.Zero(t.Elem()).Interface())
			}
		}
		return out
	case reflect.String:
		if _, ok := x.(string); !ok {
			return wrong("api.field_type_string")
		}
	case reflect.Bool:
		if _, ok := x.(bool); !ok {
			return wrong("api.field_type_boolean")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := x.(json.Number)
		if !ok {
			return wrong("api.field_type_integer")
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil || i < -1<<(t.Bits()-1) || i > 1<<(t.Bits()-1)-1 {
			return wrong("api.field_type_integer")
		}
	case reflect.Float32, reflect.Float64:
		n, ok := x.(json.Number)
		if !ok {
			return wrong("api.field_type_number")
		}
		if v, err := n.Float64(); err != nil || math.IsInf(v, 0) {
			return wrong("api.field_type_number")
		}
	}
	return x
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// jsonFields maps the JSON names of t's fields (embedded structs'
// promoted) to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" || !sf.IsExported() && !sf.Anonymous {
			continue
		}
		n, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && n == "" && sf.Type.Kind() == reflect.Struct {
			for k, v := range jsonFields(sf.Type) {
				out[k] = v
			}
			continue
		}
		if n == "" {
			n = sf.Name
		}
		out[n] = sf.Type
	}
	return out
}
