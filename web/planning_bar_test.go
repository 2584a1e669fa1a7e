package web

import (
	"bytes"
	"html"
	"html/template"
	"testing"
	"time"
)

// barTemplate is the board's bar as the template wrote it before barHTML
// (issue 19: the planning board's CPU): barHTML must say the same.
const barTemplate = `{{define "bar"}}{{$ := .V}}{{with .B}}<a class="bar bar-{{.Kind}}{{with .Use}} use-{{.}}{{end}}"{{with .Use}} data-use="{{.}}"{{end}} data-l="{{.Left}}" data-w="{{.Width}}" data-lane="{{.Lane}}"{{if .ContractID}} href="/admin/contracts/{{.ContractID}}" data-res="{{.ReservationID}}"{{else if .ReservationID}} href="/admin/reservations/{{.ReservationID}}" data-res="{{.ReservationID}}"{{end}}{{if .Movable}} data-start="{{.StartISO}}" data-movable="1" data-number="{{.Number}}" aria-describedby="bar-keys"{{end}} draggable="false" title="{{with .Use}}{{$.T (printf "kind.%s" .)}}: {{end}}{{.Number}} {{.CustomerName}}{{.Note}} {{$.Time .Start}} – {{$.Time .End}}">{{if .Number}}{{with .Use}}<b>{{$.T (printf "kind.%s" .)}}</b> {{end}}{{.Number}} {{.CustomerName}}{{else}}{{$.T (printf "bk.plan.%s" .Kind)}} {{.Note}}{{end}}</a>{{end}}{{end}}`

// TestBarHTMLMatchesTemplate: a bar written by barHTML is, value for value
// and after unescaping, what the template wrote — for every kind, with and
// without a contract, a use, a movable bar, and texts that need escaping.
func TestBarHTMLMatchesTemplate(t *testing.T) {
	tpl := template.Must(template.New("").Funcs(template.FuncMap{}).Parse(barTemplate))
	start := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	bars := []boardBar{
		{ReservationID: 7, Kind: "booking", Start: start, End: start.Add(50 * time.Hour), Number: "B26-00007", CustomerName: `Jörg "JJ" <Müßig> & Söhne +1`,
			Movable: true, Left: "3.50", Width: "12.25", Lane: 1, StartISO: start.Format(time.RFC3339)},
		{ReservationID: 8, ContractID: 3, Kind: "contract", Use: "test_drive", Start: start, End: start.Add(2 * time.Hour), Number: "MV26-00003",
			CustomerName: "Anna O'Neil", Left: "0.00", Width: "0.40"},
		{Kind: "block", Start: start, End: start.Add(24 * time.Hour), Note: "Reifenwechsel <Winter> & 'Sommer'", Left: "10.00", Width: "5.00", Lane: 2},
		{Kind: "maintenance", Start: start, End: start.Add(24 * time.Hour), Left: "1", Width: "2"},
		{ReservationID: 9, Kind: "booking", Use: "transfer", Start: start, End: start.Add(3 * time.Hour), Number: "B26-00009", CustomerName: "😀 Emoji",
			Left: "4", Width: "6"},
	}
	for _, lang := range []string{"de", "en"} {
		v := &view{Lang: lang}
		for _, b := range bars {
			var buf bytes.Buffer
			if err := tpl.ExecuteTemplate(&buf, "bar", map[string]any{"V": v, "B": b}); err != nil {
				t.Fatal(err)
			}
			want, got := html.UnescapeString(buf.String()), html.UnescapeString(string(barHTML(b, lang)))
			if got != want {
				t.Errorf("%s %s:\n got  %s\n want %s", lang, b.Kind, got, want)
			}
		}
	}
}
