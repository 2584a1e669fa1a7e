package mail

import "testing"

func TestSenderFor(t *testing.T) {
	const fb = "noreply@mietwerk.local"
	tests := []struct {
		name                           string
		tFrom, tReply, sFrom, sReply   string
		wantFrom, wantFromName, wantRT string
	}{
		{name: "nothing set: fallback, no reply-to", wantFrom: fb},
		{name: "tenant only", tFrom: "Autohaus König <service@koenig.de>", tReply: "buchhaltung@koenig.de",
			wantFrom: "service@koenig.de", wantFromName: "Autohaus König", wantRT: "buchhaltung@koenig.de"},
		{name: "station beats tenant", tFrom: "service@koenig.de", tReply: "zentrale@koenig.de",
			sFrom: "Autohaus König Regensburg <regensburg@koenig.de>", sReply: "theke-reg@koenig.de",
			wantFrom: "regensburg@koenig.de", wantFromName: "Autohaus König Regensburg", wantRT: "theke-reg@koenig.de"},
		{name: "station from, tenant reply-to", tFrom: "service@koenig.de", tReply: "zentrale@koenig.de",
			sFrom: "regensburg@koenig.de", wantFrom: "regensburg@koenig.de", wantRT: "zentrale@koenig.de"},
		{name: "station reply-to only", sReply: "theke@koenig.de", wantFrom: fb, wantRT: "theke@koenig.de"},
		{name: "blank settings are skipped", tFrom: "  ", sFrom: "\t", wantFrom: fb},
		{name: "unparseable station setting falls back to tenant", tFrom: "service@koenig.de", sFrom: "not an address",
			wantFrom: "service@koenig.de"},
		{name: "header injection is never used", sFrom: "a@b.de\r\nBcc: x@evil.example", wantFrom: fb},
		{name: "reply-to equal to from is dropped", tFrom: "service@koenig.de", tReply: "SERVICE@koenig.de",
			wantFrom: "service@koenig.de"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			from, rt := SenderFor(tc.tFrom, tc.tReply, tc.sFrom, tc.sReply, fb)
			if from.Email != tc.wantFrom || from.Name != tc.wantFromName || rt.Email != tc.wantRT {
				t.Fatalf("SenderFor = from %q <%s>, reply-to %q; want %q <%s>, %q",
					from.Name, from.Email, rt.Email, tc.wantFromName, tc.wantFrom, tc.wantRT)
			}
		})
	}
}
