package locale_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"mietwerk.dev/mietwerk/locale"
)

const localePath = "mietwerk.dev/mietwerk/locale"

// keyUse is one constant converted to locale.Key in the module's Go source.
type keyUse struct {
	key     string
	pos     token.Position
	missing []string // parameters the text uses that the call does not give
}

// sourceKeys type-checks every package of the module (against the export
// data the go command builds) and returns every constant that becomes a
// locale.Key — arguments, struct fields, returns — with, for calls that can
// pass parameters, the parameters the text needs but the call does not give.
var sourceKeys = sync.OnceValues(func() ([]keyUse, error) {
	root, err := filepath.Abs("..")
	if err != nil {
		return nil, err
	}
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	cmd := exec.Command(goCmd, "list", "-deps", "-export", "-json=ImportPath,Export,Dir,GoFiles,Module", "./...")
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	type pkg struct {
		ImportPath, Export, Dir string
		GoFiles                 []string
		Module                  *struct{ Path string }
	}
	exports := map[string]string{}
	var mine []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			return nil, err
		}
		exports[p.ImportPath] = p.Export
		if p.Module != nil && p.Module.Path == "mietwerk.dev/mietwerk" {
			mine = append(mine, p)
		}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	cat := locale.Default()
	var uses []keyUse
	for _, p := range mine {
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
			if err != nil {
				return nil, err
			}
			files = append(files, f)
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
		conf := types.Config{Importer: imp}
		if _, err := conf.Check(p.ImportPath, fset, files, info); err != nil {
			return nil, fmt.Errorf("type-check %s: %w", p.ImportPath, err)
		}
		for _, f := range files {
			uses = append(uses, scanFile(fset, info, cat, f)...)
		}
	}
	return uses, nil
})

func isNamed(t types.Type, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == localePath && n.Obj().Name() == name
}

// constKey returns the constant string of e when e becomes a locale.Key.
func constKey(info *types.Info, e ast.Expr) (string, bool) {
	tv, ok := info.Types[e]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.String || !isNamed(tv.Type, "Key") {
		return "", false
	}
	return constant.StringVal(tv.Value), true
}

func scanFile(fset *token.FileSet, info *types.Info, cat *locale.Catalog, f *ast.File) []keyUse {
	var uses []keyUse
	checked := map[ast.Expr]bool{} // key arguments already recorded with their call
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			if u, arg, ok := checkCall(fset, info, cat, x); ok {
				uses = append(uses, u)
				checked[arg] = true
			}
		case *ast.BinaryExpr:
			if tv := info.Types[x]; tv.Value == nil && isNamed(tv.Type, "Key") {
				return false // a key built at run time ("fl.status." + s): checked by the enum tests
			}
		case ast.Expr:
			if checked[x] {
				return false
			}
			if k, ok := constKey(info, x); ok {
				uses = append(uses, keyUse{key: k, pos: fset.Position(x.Pos())})
				return false
			}
		}
		return true
	})
	return uses
}

// checkCall finds the one constant key among a call's arguments and, when
// the callee can take parameters (a locale.Params or a variadic ...any
// after the key), the parameters its text uses that the call does not give.
func checkCall(fset *token.FileSet, info *types.Info, cat *locale.Catalog, call *ast.CallExpr) (keyUse, ast.Expr, bool) {
	keyAt := -1
	var key string
	for i, a := range call.Args {
		if k, ok := constKey(info, a); ok {
			if keyAt >= 0 {
				return keyUse{}, nil, false // two keys: leave to the plain check
			}
			keyAt, key = i, k
		}
	}
	if keyAt < 0 {
		return keyUse{}, nil, false
	}
	sig, ok := types.Unalias(info.Types[call.Fun].Type).(*types.Signature)
	if !ok {
		return keyUse{}, nil, false
	}
	u := keyUse{key: key, pos: fset.Position(call.Args[keyAt].Pos())}
	takesParams, positional := false, false
	ps := sig.Params()
	for i := 0; i < ps.Len(); i++ {
		t := ps.At(i).Type()
		if sig.Variadic() && i == ps.Len()-1 {
			t = t.(*types.Slice).Elem()
			if b, ok := t.Underlying().(*types.Interface); ok && b.Empty() && i > keyAt {
				takesParams, positional = true, true
			}
		}
		if isNamed(t, "Params") {
			takesParams = true
		}
	}
	given := map[string]bool{}
	if takesParams {
		if call.Ellipsis.IsValid() {
			takesParams = false // args... : not known here
		}
		for i, a := range call.Args[keyAt+1:] {
			if isNamed(info.Types[a].Type, "Params") {
				lit, ok := a.(*ast.CompositeLit)
				if !ok {
					takesParams = false // a Params variable: not known here
					break
				}
				for _, el := range lit.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					tv := info.Types[kv.Key]
					if !ok || tv.Value == nil {
						takesParams = false
						break
					}
					given[constant.StringVal(tv.Value)] = true
				}
			} else if positional {
				given[strconv.Itoa(i)] = true
			}
		}
	}
	if takesParams && cat.Has(locale.Key(key)) {
		for _, name := range cat.ParamNames(locale.Key(key)) {
			if !given[name] {
				u.missing = append(u.missing, name)
			}
		}
	}
	return u, call.Args[keyAt], true
}

var keySyntax = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*$`)

// TestKeysInSourceExist fails when Go source converts a constant to a
// locale.Key (a message code passed to errs, a field error, a text looked
// up) that the catalog lacks, or when a call passes a key without the
// parameters its text uses.
func TestKeysInSourceExist(t *testing.T) {
	uses, err := sourceKeys()
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) == 0 {
		t.Fatal("found no keys in the source: the scan is broken")
	}
	cat := locale.Default()
	var legacy []string
	for _, u := range uses {
		where := fmt.Sprintf("%s:%d", u.pos.Filename, u.pos.Line)
		if root, err := filepath.Abs(".."); err == nil {
			if rel, err := filepath.Rel(root, u.pos.Filename); err == nil {
				where = fmt.Sprintf("%s:%d", rel, u.pos.Line)
			}
		}
		switch {
		case u.key == "":
			// comparisons with the empty code
		case !keySyntax.MatchString(u.key):
			legacy = append(legacy, fmt.Sprintf("%s: %q", where, u.key))
		case !cat.Has(locale.Key(u.key)):
			t.Errorf("%s: code %q has no text in the catalog (add it to locale/messages/{de,en})", where, u.key)
		case len(u.missing) > 0:
			t.Errorf("%s: the text of %q uses %v, which the call does not give", where, u.key, u.missing)
		}
	}
	sort.Strings(legacy)
	legacy = slices.Compact(legacy)
	if len(legacy) > maxLegacyMessages {
		t.Errorf("%d English messages passed where a code belongs (at most %d allowed while they are converted); new code must pass catalog keys:\n%s",
			len(legacy), maxLegacyMessages, strings.Join(legacy, "\n"))
	} else {
		t.Logf("%d English messages still to convert to codes", len(legacy))
	}
}

// maxLegacyMessages is how many English messages may still be passed as
// codes (the old form of errs.Fields.Add); it only goes down, to 0.
const maxLegacyMessages = 0
