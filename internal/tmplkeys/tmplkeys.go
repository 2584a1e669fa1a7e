// Package tmplkeys finds the message-catalog keys that templates name as
// literals, so that tests can check every one exists in package locale.
package tmplkeys

import "text/template/parse"

// Keys returns every string literal that a template tree passes as the
// first argument to one of the functions or methods named in funcs (a
// function "t", a method ".T" or "$v.T"), and the label key of the web's
// "field" function (its third argument), each with how often it occurs.
func Keys(tree *parse.Tree, funcs ...string) map[string]int {
	out := map[string]int{}
	if tree == nil {
		return out
	}
	names := map[string]bool{}
	for _, f := range funcs {
		names[f] = true
	}
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch x := n.(type) {
		case *parse.ListNode:
			if x != nil {
				for _, c := range x.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(x.Pipe)
		case *parse.PipeNode:
			if x != nil {
				for _, c := range x.Cmds {
					walk(c)
				}
			}
		case *parse.CommandNode:
			for i, a := range x.Args {
				if i+1 < len(x.Args) && names[name(a)] {
					if s, ok := x.Args[i+1].(*parse.StringNode); ok {
						out[s.Text]++
					}
				}
				if name(a) == "field" && i+3 < len(x.Args) {
					if s, ok := x.Args[i+3].(*parse.StringNode); ok {
						out[s.Text]++
					}
				}
				walk(a)
			}
		case *parse.BranchNode:
			walk(x.Pipe)
			walk(x.List)
			walk(x.ElseList)
		case *parse.IfNode:
			walk(&x.BranchNode)
		case *parse.RangeNode:
			walk(&x.BranchNode)
		case *parse.WithNode:
			walk(&x.BranchNode)
		case *parse.TemplateNode:
			walk(x.Pipe)
		}
	}
	walk(tree.Root)
	return out
}

// name returns the name a node calls: "t" for the function t, "T" for the
// methods .T, $.T and $v.T; "" for anything else.
func name(n parse.Node) string {
	switch x := n.(type) {
	case *parse.IdentifierNode:
		return x.Ident
	case *parse.FieldNode:
		return x.Ident[len(x.Ident)-1]
	case *parse.VariableNode:
		if len(x.Ident) > 1 {
			return x.Ident[len(x.Ident)-1]
		}
	case *parse.ChainNode:
		if len(x.Field) > 0 {
			return x.Field[len(x.Field)-1]
		}
	}
	return ""
}
