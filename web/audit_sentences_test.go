package web

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/audit"
	"mietwerk.dev/mietwerk/locale"
)

// storeActions finds every audit action the store writes: the literal
// action of each appendAudit call, the values assigned to a variable named
// action in the store, and the customer package's Action constants.
func storeActions(t *testing.T) map[string]bool {
	t.Helper()
	call := regexp.MustCompile(`appendAudit\(ctx, tx, sc, [^,]+, "[a-z_]+", [^,]+, "([a-z_]+)"`)
	assign := regexp.MustCompile(`\baction\s*:?=\s*"([a-z_]+)"`)
	constant := regexp.MustCompile(`\bAction[A-Za-z]+\s*=\s*"([a-z_]+)"`)
	out := map[string]bool{}
	for _, glob := range []string{"../adapter/store/*.go", "../customer/*.go"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, re := range []*regexp.Regexp{call, assign, constant} {
				for _, m := range re.FindAllSubmatch(b, -1) {
					out[string(m[1])] = true
				}
			}
		}
	}
	return out
}

// TestAuditSentencesCoverEveryAction fails when an audit action (written by
// the store, or in the catalog's enumeration audit.action.*) has no
// sentence "audit.sentence.<action>" in German and English.
func TestAuditSentencesCoverEveryAction(t *testing.T) {
	actions := storeActions(t)
	if len(actions) < 25 { // the scan itself must keep finding the store's calls
		t.Fatalf("found only %d actions in the store: %v", len(actions), actions)
	}
	cat := locale.Default()
	for _, k := range cat.Keys(locale.German) {
		if a, ok := strings.CutPrefix(string(k), "audit.action."); ok {
			actions[a] = true
		}
	}
	var missing []string
	for a := range actions {
		for _, l := range []locale.Lang{locale.German, locale.English} {
			if _, ok := cat.Lookup(l, locale.Key("audit.sentence."+a)); !ok {
				missing = append(missing, string(l)+": audit.sentence."+a)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("audit actions without a sentence:\n%s", strings.Join(missing, "\n"))
	}
}

// TestAuditSentences renders entries as the store writes them.
func TestAuditSentences(t *testing.T) {
	at := time.Date(2026, 12, 4, 13, 3, 0, 0, time.UTC) // 14:03 in Berlin
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	d := func(day, hour int) time.Time { return time.Date(2026, 12, day, hour-1, 0, 0, 0, time.UTC) }
	js := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	plates := map[int64]string{7: "R-MW 107"}
	plate := func(id int64) string { return plates[id] }
	cases := []struct {
		entity, action string
		before, after  any
		de, en         string
	}{
		{"reservation", "change_period", map[string]any{"pickup": d(6, 10), "return": d(8, 10)}, map[string]any{"pickup": d(6, 10), "return": d(9, 10)},
			"Rückgabe von 08.12. 10:00 auf 09.12. 10:00 verschoben – M. Huber, 04.12., 14:03",
			"Return moved from 8 Dec 10:00 to 9 Dec 10:00 – M. Huber, 4 Dec, 14:03"},
		{"reservation", "change_period", map[string]any{"pickup": d(6, 10), "return": d(8, 10)}, map[string]any{"pickup": d(7, 9), "return": d(9, 10)},
			"Zeitraum von 06.12. 10:00 – 08.12. 10:00 auf 07.12. 09:00 – 09.12. 10:00 geändert – M. Huber, 04.12., 14:03", ""},
		{"reservation", "assign_vehicle", map[string]any{"vehicle_id": 0, "pickup": d(6, 10), "return": d(8, 10)},
			map[string]any{"vehicle_id": 7, "pickup": d(6, 10), "return": d(8, 10)},
			"Fahrzeug R-MW 107 zugewiesen – M. Huber, 04.12., 14:03", "Vehicle R-MW 107 assigned – M. Huber, 4 Dec, 14:03"},
		{"reservation", "move", map[string]any{"vehicle_id": 7, "pickup": d(6, 10), "return": d(8, 10)},
			map[string]any{"vehicle_id": 8, "pickup": d(6, 10), "return": d(8, 10), "due_override": "HU am Montag"},
			"Auf ein anderes Fahrzeug umgesetzt (Prüftermin übergangen: „HU am Montag“) – M. Huber, 04.12., 14:03", ""},
		{"reservation", "status", map[string]string{"status": "confirmed"}, map[string]string{"status": "cancelled"},
			"Status von „Bestätigt“ auf „Storniert“ geändert – M. Huber, 04.12., 14:03",
			"Status changed from “Confirmed” to “Cancelled” – M. Huber, 4 Dec, 14:03"},
		{"reservation", "cancellation", nil, map[string]any{"fee_cents": 2500, "fee_waived": "Kulanz"},
			"Storniert, Stornogebühr von 25,00 € erlassen: „Kulanz“ – M. Huber, 04.12., 14:03", ""},
		{"contract", "handover", nil, map[string]any{"km": 12345, "fuel_eighths": 6, "cleanliness": "clean"},
			"Fahrzeug übergeben mit 12.345 km, Tank 6/8, Sauber – M. Huber, 04.12., 14:03",
			"Vehicle handed over at 12,345 km, tank 6/8, Clean – M. Huber, 4 Dec, 14:03"},
		{"contract", "return", nil, map[string]any{"km": 12500, "fuel_eighths": 8, "cleanliness": "dirty", "new_damages": 2},
			"Fahrzeug zurückgenommen mit 12.500 km, Tank 8/8, Verschmutzt, 2 neue Schäden – M. Huber, 04.12., 14:03", ""},
		{"contract", "handover", nil, map[string]any{"km": 12345, "fuel_eighths": nil, "state_of_charge_percent": 80, "cleanliness": "clean"},
			"Fahrzeug übergeben mit 12.345 km, Ladestand 80 %, Sauber – M. Huber, 04.12., 14:03",
			"Vehicle handed over at 12,345 km, state of charge 80 %, Clean – M. Huber, 4 Dec, 14:03"},
		{"contract", "return", nil, map[string]any{"km": 12500, "fuel_eighths": 5, "state_of_charge_percent": 20, "cleanliness": "clean", "new_damages": 0},
			"Fahrzeug zurückgenommen mit 12.500 km, Tank 5/8, Ladestand 20 %, Sauber, ohne neue Schäden – M. Huber, 04.12., 14:03", ""},
		{"contract", "status", map[string]string{"status": "open"}, map[string]string{"status": "returned"},
			"Status von „Offen (Fahrzeug unterwegs)“ auf „Zurückgegeben“ geändert – M. Huber, 04.12., 14:03", ""},
		{"contract", "receipt", nil, map[string]any{"method": "cash", "amount_cents": 123450},
			"Zahlung über 1.234,50 € erfasst (Bar) – M. Huber, 04.12., 14:03", "Payment of €1,234.50 recorded (Cash) – M. Huber, 4 Dec, 14:03"},
		{"contract", "notes", map[string]string{"notes": ""}, map[string]string{"notes": "Kunde ruft an\n<b>"},
			"Notiz geändert: „Kunde ruft an <b>“ – M. Huber, 04.12., 14:03", ""},
		{"customer", "update", nil, []map[string]string{{"field": "last_name", "before": "A", "after": "B"}, {"field": "phone"}},
			"Kundendaten geändert: Nachname, Telefon – M. Huber, 04.12., 14:03", ""},
	}
	for _, c := range cases {
		e := audit.Entry{At: at, ActorKind: "user", ActorName: "Maria Huber", Entity: c.entity, Action: c.action}
		if c.before != nil {
			e.Before = js(c.before)
		}
		e.After = js(c.after)
		for _, want := range []struct{ lang, text string }{{"de", c.de}, {"en", c.en}} {
			if want.text == "" {
				continue
			}
			got := auditLines(want.lang, berlin, now, []audit.Entry{e}, plate)[0].Text
			if got != want.text {
				t.Errorf("%s %s %s:\n got  %s\n want %s", want.lang, c.entity, c.action, got, want.text)
			}
		}
	}
	// the system and an entry of another year; broken JSON reads as empty, never a crash
	e := audit.Entry{At: at.AddDate(-1, 0, 0), ActorKind: "system", Entity: "contract", Action: "deposit_set_off", After: "{broken"}
	if got := auditLines("de", berlin, now, []audit.Entry{e}, nil)[0].Text; got != "0,00 € der Kaution mit der Miete verrechnet – System, 04.12.2025, 14:03" {
		t.Errorf("system entry: %s", got)
	}
}
