package web

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"text/template/parse"

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

// TestTemplateViewMethodsExist fails when a page's "content" template calls
// a method or field of the page's view that does not exist ({{$.BkMoney …}}
// after BkMoney was folded into Money): html/template finds that only when
// the page is rendered with that branch taken, as a 500.
func TestTemplateViewMethodsExist(t *testing.T) {
	sets, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	has := func(vt reflect.Type, name string) bool {
		_, m := vt.MethodByName(name)
		_, f := vt.Elem().FieldByName(name)
		return m || f
	}
	var missing []string
	for page, set := range sets {
		vt := reflect.TypeOf(&view{})
		if strings.HasPrefix(page, "page_") { // the customer's booking page
			vt = reflect.TypeOf(&pageView{})
		}
		tm := set.Lookup("content")
		if tm == nil || tm.Tree == nil {
			continue
		}
		var walk func(n parse.Node, dotIsView bool)
		check := func(name string) {
			if !has(vt, name) {
				missing = append(missing, page+": "+name)
			}
		}
		branch := func(n parse.BranchNode, dotIsView, inside bool) {
			walk(n.Pipe, dotIsView)
			walk(n.List, inside)
			walk(n.ElseList, dotIsView)
		}
		walk = func(n parse.Node, dotIsView bool) {
			switch n := n.(type) {
			case *parse.ListNode:
				if n != nil {
					for _, c := range n.Nodes {
						walk(c, dotIsView)
					}
				}
			case *parse.ActionNode:
				walk(n.Pipe, dotIsView)
			case *parse.PipeNode:
				if n == nil {
					return
				}
				for _, c := range n.Cmds {
					walk(c, dotIsView)
				}
			case *parse.CommandNode:
				for _, a := range n.Args {
					walk(a, dotIsView)
				}
			case *parse.VariableNode:
				if len(n.Ident) > 1 && n.Ident[0] == "$" {
					check(n.Ident[1])
				}
			case *parse.FieldNode:
				if dotIsView {
					check(n.Ident[0])
				}
			case *parse.ChainNode:
				walk(n.Node, dotIsView)
			case *parse.IfNode:
				branch(n.BranchNode, dotIsView, dotIsView)
			case *parse.RangeNode: // range and with set dot to something else
				branch(n.BranchNode, dotIsView, false)
			case *parse.WithNode:
				branch(n.BranchNode, dotIsView, false)
			case *parse.TemplateNode:
				walk(n.Pipe, dotIsView)
			}
		}
		walk(tm.Tree.Root, true)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("templates call what the view lacks:\n%s", strings.Join(missing, "\n"))
	}
}
