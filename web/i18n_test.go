package web

import (
	"sort"
	"strings"
	"testing"
	"text/template/parse"

	"mietwerk.dev/mietwerk/locale"
)

// templateKeys returns every catalog key the admin templates name as a
// literal: the first argument of T (".T", "$v.T", "$.T") and the label key of
// "field".
func templateKeys(t *testing.T) map[string][]string {
	t.Helper()
	sets, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{}
	var walk func(page string, n parse.Node)
	walk = func(page string, n parse.Node) {
		switch x := n.(type) {
		case *parse.ListNode:
			if x != nil {
				for _, c := range x.Nodes {
					walk(page, c)
				}
			}
		case *parse.ActionNode:
			walk(page, x.Pipe)
		case *parse.PipeNode:
			if x == nil {
				return
			}
			for _, c := range x.Cmds {
				walk(page, c)
			}
		case *parse.CommandNode:
			for i, a := range x.Args {
				if i+1 < len(x.Args) && isT(a) {
					if s, ok := x.Args[i+1].(*parse.StringNode); ok {
						keys[s.Text] = append(keys[s.Text], page)
					}
				}
				if id, ok := a.(*parse.IdentifierNode); ok && id.Ident == "field" && i+3 < len(x.Args) {
					if s, ok := x.Args[i+3].(*parse.StringNode); ok {
						keys[s.Text] = append(keys[s.Text], page)
					}
				}
				walk(page, a)
			}
		case *parse.IfNode:
			walk(page, x.Pipe)
			walk(page, x.List)
			walk(page, x.ElseList)
		case *parse.RangeNode:
			walk(page, x.Pipe)
			walk(page, x.List)
			walk(page, x.ElseList)
		case *parse.WithNode:
			walk(page, x.Pipe)
			walk(page, x.List)
			walk(page, x.ElseList)
		case *parse.TemplateNode:
			walk(page, x.Pipe)
		}
	}
	for page, set := range sets {
		for _, tm := range set.Templates() {
			if tm.Tree != nil {
				walk(page+"/"+tm.Name(), tm.Tree.Root)
			}
		}
	}
	return keys
}

func isT(n parse.Node) bool {
	switch x := n.(type) {
	case *parse.FieldNode:
		return x.Ident[len(x.Ident)-1] == "T"
	case *parse.VariableNode:
		return len(x.Ident) > 1 && x.Ident[len(x.Ident)-1] == "T"
	case *parse.ChainNode:
		return len(x.Field) > 0 && x.Field[len(x.Field)-1] == "T"
	}
	return false
}

// TestTemplateKeysExist fails when an admin template names a text that the
// catalog lacks.
func TestTemplateKeysExist(t *testing.T) {
	keys := templateKeys(t)
	if len(keys) < 300 {
		t.Fatalf("found only %d keys in the templates: the scan is broken", len(keys))
	}
	var missing []string
	for k, pages := range keys {
		if !locale.Has(locale.Key(k)) {
			missing = append(missing, k+" (in "+strings.Join(pages[:min(len(pages), 3)], ", ")+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("template text %s is not in the catalog", m)
	}
}
