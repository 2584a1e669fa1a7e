package xrechnung

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// node is a parsed XML element.
type node struct {
	space, local string
	attrs        []xml.Attr
	text         string
	kids         []*node
	line         int
}

var prefixes = map[string]string{"rsm": NSrsm, "ram": NSram, "udt": NSudt, "qdt": NSqdt}

// parse reads a well-formed XML document into a tree.
func parse(data []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := dec.InputPos()
			n := &node{space: t.Name.Space, local: t.Name.Local, attrs: t.Attr, line: line}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else if root != nil {
				return nil, errors.New("more than one root element")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, errors.New("text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// all returns the descendants along path ("ram:A/ram:B"), in document order.
func (n *node) all(path string) []*node {
	if n == nil {
		return nil
	}
	cur := []*node{n}
	for _, step := range strings.Split(path, "/") {
		pfx, local, _ := strings.Cut(step, ":")
		space := prefixes[pfx]
		var next []*node
		for _, c := range cur {
			for _, k := range c.kids {
				if k.local == local && k.space == space {
					next = append(next, k)
				}
			}
		}
		cur = next
	}
	return cur
}

// one returns the first node along path, or nil.
func (n *node) one(path string) *node {
	if a := n.all(path); len(a) > 0 {
		return a[0]
	}
	return nil
}

// val returns the trimmed text at path ("" when absent).
func (n *node) val(path string) string {
	if x := n.one(path); x != nil {
		return strings.TrimSpace(x.text)
	}
	return ""
}

func (n *node) attr(name string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.attrs {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}
