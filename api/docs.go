package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"strings"
)

//go:embed openapi.json
var openapiJSON []byte

// The receiver examples on the reference page (tested against signed
// requests in the API's tests).
var (
	//go:embed static/verify-webhook.js
	verifyWebhookJS string
	//go:embed static/verify_webhook.py
	verifyWebhookPy string
)

// VerifyExamples returns the receiver examples of the reference page:
// Node.js and Python.
func VerifyExamples() (node, python string) { return verifyWebhookJS, verifyWebhookPy }

// OpenAPI returns the OpenAPI 3.1 document the server implements.
func OpenAPI() []byte { return bytes.Clone(openapiJSON) }

func (s *server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(openapiJSON)
}

type docOp struct {
	Method, Path, Summary, Description string
	Params                             []docParam
	Body                               string
	Responses                          []docResp
}
type docParam struct {
	Name, In, Desc, Type string
	Required             bool
}
type docResp struct{ Status, Desc, Schema string }
type docHook struct {
	Type, Summary, Description, Schema string
}
type docSchema struct {
	Name, Desc string
	Props      []docParam
	Example    string
}

var docsTmpl = template.Must(template.New("docs").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{.Title}} – reference</title><meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
code,pre{font-family:ui-monospace,monospace;background:#f4f4f4;border-radius:3px}pre{padding:.6em;overflow:auto}
.m{display:inline-block;min-width:4.5em;font-weight:bold;color:#fff;border-radius:3px;text-align:center;margin-right:.5em}
.GET{background:#2a7}.POST{background:#27a}.PATCH{background:#a72}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3em;text-align:left;vertical-align:top}
section{border-top:2px solid #eee;margin-top:1.5em}</style></head><body>
<h1>{{.Title}} <small>{{.Version}}</small></h1><p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1). Try it: <a href="/demo/booking">booking widget on a sample dealer page</a>.</p>
<div>{{range .Intro}}<p>{{.}}</p>{{end}}</div>
<h2>Operations</h2><ul>{{range .Ops}}<li><a href="#{{.Method}}{{.Path}}"><span class="m {{.Method}}">{{.Method}}</span>{{.Path}}</a> – {{.Summary}}</li>{{end}}</ul>
{{range .Ops}}<section id="{{.Method}}{{.Path}}"><h3><span class="m {{.Method}}">{{.Method}}</span><code>{{.Path}}</code></h3><p>{{.Summary}}</p>{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Params}}<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th></th></tr>{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} *{{end}}</td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Desc}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<h4>Request body</h4><p><a href="#schema-{{.Body}}">{{.Body}}</a></p>{{end}}
<h4>Responses</h4><table>{{range .Responses}}<tr><td><b>{{.Status}}</b></td><td>{{.Desc}}</td><td>{{if .Schema}}<a href="#schema-{{.Schema}}">{{.Schema}}</a>{{end}}</td></tr>{{end}}</table></section>{{end}}
<h2 id="webhooks">Webhooks</h2>
<p>Mietwerk sends events to the URLs the dealer enters under <i>Einstellungen → Webhooks</i> (or <code>mietwerk webhook add</code>), following the <a href="https://www.standardwebhooks.com/">Standard Webhooks</a> specification: a <code>POST</code> with a JSON body <code>{"type", "timestamp", "data"}</code> and three headers. <code>data</code> is the object as this API returns it.</p>
<ul><li><b>Signature:</b> <code>webhook-signature</code> is <code>v1,</code> and the base64 HMAC-SHA256 of <code>{webhook-id}.{webhook-timestamp}.{raw body}</code>, keyed with the bytes the endpoint's secret encodes (the base64 after <code>whsec_</code>). Compare in constant time, refuse timestamps more than 5 minutes off, and verify the raw bytes before parsing them.</li>
<li><b>At least once:</b> <code>webhook-id</code> stays the same on every retry: keep the ids you have processed. Answer 2xx within 15 seconds; anything else is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 14 h. When nothing reaches an endpoint through all of that (or it answers 410), it is switched off and the dealer's administrators get an e-mail. Redirects are not followed.</li>
<li><b>Order:</b> the events of one booking (its contract, invoices and payments too) reach an endpoint in the order they happened; a later one waits while an earlier one is retried.</li>
<li><b>Test mode:</b> an endpoint in test mode receives the events of bookings made with test keys (<code>mwk_test_…</code>) only, a live endpoint only the others.</li></ul>
<table><tr><th>event type</th><th></th><th>body</th></tr>{{range .Hooks}}<tr id="webhook-{{.Type}}"><td><code>{{.Type}}</code></td><td><b>{{.Summary}}</b>. {{.Description}}</td><td><a href="#schema-{{.Schema}}">{{.Schema}}</a></td></tr>{{end}}</table>
<h4>Headers</h4><table>{{range .HookHeaders}}<tr><td><code>{{.Name}}</code></td><td>{{.Desc}}</td></tr>{{end}}</table>
<h4 id="verify-node">Receiving and verifying: Node.js</h4><pre>{{.NodeExample}}</pre>
<h4 id="verify-python">Verifying: Python</h4><pre>{{.PythonExample}}</pre>
<h2>Schemas</h2>{{range .Schemas}}<section id="schema-{{.Name}}"><h3>{{.Name}}</h3>{{if .Desc}}<p>{{.Desc}}</p>{{end}}
<table>{{range .Props}}<tr><td><code>{{.Name}}</code>{{if .Required}} *{{end}}</td><td>{{.Type}}</td><td>{{.Desc}}</td></tr>{{end}}</table>
{{if .Example}}<h4>Example</h4><pre>{{.Example}}</pre>{{end}}</section>{{end}}
</body></html>`))

func typeOf(s map[string]any) string {
	if ref, ok := s["$ref"].(string); ok {
		return ref[strings.LastIndex(ref, "/")+1:]
	}
	if one, ok := s["oneOf"].([]any); ok {
		var parts []string
		for _, x := range one {
			parts = append(parts, typeOf(x.(map[string]any)))
		}
		return strings.Join(parts, " | ")
	}
	t, _ := s["type"].(string)
	if t == "array" {
		if it, ok := s["items"].(map[string]any); ok {
			return typeOf(it) + "[]"
		}
	}
	if f, ok := s["format"].(string); ok {
		t += " (" + f + ")"
	}
	if e, ok := s["enum"].([]any); ok {
		var vs []string
		for _, v := range e {
			vs = append(vs, v.(string))
		}
		t += ": " + strings.Join(vs, ", ")
	}
	return t
}

func str(m map[string]any, k string) string { v, _ := m[k].(string); return v }

// docs renders the HTML reference from the OpenAPI document.
func (s *server) docs(w http.ResponseWriter, r *http.Request) {
	var doc map[string]any
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		s.problem(w, r, err)
		return
	}
	info := doc["info"].(map[string]any)
	data := struct {
		Title, Version string
		Intro          []string
		Ops            []docOp
		Schemas        []docSchema
		Hooks          []docHook
		HookHeaders    []docParam
		NodeExample    string
		PythonExample  string
	}{Title: str(info, "title"), Version: str(info, "version"), Intro: strings.Split(str(info, "description"), "\n\n"),
		NodeExample: verifyWebhookJS, PythonExample: verifyWebhookPy}
	hooks, _ := doc["webhooks"].(map[string]any)
	var types []string
	for k := range hooks {
		types = append(types, k)
	}
	sort.Strings(types)
	for _, k := range types {
		op := hooks[k].(map[string]any)["post"].(map[string]any)
		sch := op["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		data.Hooks = append(data.Hooks, docHook{Type: k, Summary: str(op, "summary"), Description: str(op, "description"), Schema: typeOf(sch)})
		if data.HookHeaders == nil {
			for _, x := range op["parameters"].([]any) {
				pm := x.(map[string]any)
				data.HookHeaders = append(data.HookHeaders, docParam{Name: str(pm, "name"), In: "header", Desc: str(pm, "description")})
			}
		}
	}
	paths := doc["paths"].(map[string]any)
	var keys []string
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, p := range keys {
		item := paths[p].(map[string]any)
		for _, m := range []string{"get", "post", "patch"} {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			o := docOp{Method: strings.ToUpper(m), Path: p, Summary: str(op, "summary"), Description: str(op, "description")}
			var params []any
			if ps, ok := item["parameters"].([]any); ok {
				params = append(params, ps...)
			}
			if ps, ok := op["parameters"].([]any); ok {
				params = append(params, ps...)
			}
			for _, x := range params {
				pm := x.(map[string]any)
				req, _ := pm["required"].(bool)
				o.Params = append(o.Params, docParam{str(pm, "name"), str(pm, "in"), str(pm, "description"), typeOf(pm["schema"].(map[string]any)), req})
			}
			if rb, ok := op["requestBody"].(map[string]any); ok {
				sch := rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
				o.Body = typeOf(sch)
			}
			resps := op["responses"].(map[string]any)
			var codes []string
			for c := range resps {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			comps := doc["components"].(map[string]any)["responses"].(map[string]any)
			for _, c := range codes {
				rm := resps[c].(map[string]any)
				if ref := str(rm, "$ref"); ref != "" {
					rm = comps[ref[strings.LastIndex(ref, "/")+1:]].(map[string]any)
				}
				schema := ""
				if ct, ok := rm["content"].(map[string]any); ok {
					for _, v := range ct {
						schema = typeOf(v.(map[string]any)["schema"].(map[string]any))
					}
				}
				o.Responses = append(o.Responses, docResp{c, str(rm, "description"), schema})
			}
			data.Ops = append(data.Ops, o)
		}
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	var names []string
	for n := range schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sm := schemas[n].(map[string]any)
		ds := docSchema{Name: n, Desc: str(sm, "description")}
		req := map[string]bool{}
		if rs, ok := sm["required"].([]any); ok {
			for _, x := range rs {
				req[x.(string)] = true
			}
		}
		if props, ok := sm["properties"].(map[string]any); ok {
			var pk []string
			for k := range props {
				pk = append(pk, k)
			}
			sort.Strings(pk)
			for _, k := range pk {
				pm := props[k].(map[string]any)
				ds.Props = append(ds.Props, docParam{Name: k, Desc: str(pm, "description"), Type: typeOf(pm), Required: req[k]})
			}
		}
		if ex, ok := sm["examples"].([]any); ok && len(ex) > 0 {
			b, _ := json.MarshalIndent(ex[0], "", "  ")
			ds.Example = string(b)
		}
		data.Schemas = append(data.Schemas, ds)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := docsTmpl.Execute(w, data); err != nil {
		s.d.Logger.ErrorContext(r.Context(), "api docs", "err", err)
	}
}
