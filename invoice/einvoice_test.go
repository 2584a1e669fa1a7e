package invoice

import (
	"testing"

	"mietwerk.dev/mietwerk/mail"
)

func TestWithEInvoice(t *testing.T) {
	pdf := []byte("%PDF-1.4 RE-1")
	f := &EFile{Filename: "RE-1.xml", ContentType: "application/xml", Data: []byte("<x/>")}
	ics := mail.Attachment{Filename: "Termin.ics", ContentType: "text/calendar", Data: []byte("BEGIN:VCALENDAR")}
	withPDF := []mail.Attachment{ics, {Filename: "Rechnung-RE-1.pdf", ContentType: "application/pdf", Data: pdf}}
	for _, c := range []struct {
		name string
		in   []mail.Attachment
		f    *EFile
		want []string // file names after
	}{
		{"pdf attached: xml named like it", withPDF, f, []string{"Termin.ics", "Rechnung-RE-1.pdf", "Rechnung-RE-1.xml"}},
		{"no e-invoice", withPDF, nil, []string{"Termin.ics", "Rechnung-RE-1.pdf"}},
		{"message without the pdf", []mail.Attachment{ics}, f, []string{"Termin.ics"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := WithEInvoice(append([]mail.Attachment(nil), c.in...), c.f, pdf)
			var got []string
			for _, a := range out {
				got = append(got, a.Filename)
			}
			if len(got) != len(c.want) {
				t.Fatalf("attachments %q, want %q", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("attachments %q, want %q", got, c.want)
				}
			}
			if c.f != nil && len(out) == 3 && (string(out[2].Data) != "<x/>" || out[2].ContentType != "application/xml") {
				t.Fatalf("e-invoice attachment %+v", out[2])
			}
		})
	}
}
