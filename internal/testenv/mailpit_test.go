package testenv

import (
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

func TestMailpitLifecycle(t *testing.T) {
	mp := StartMailpit(t)
	send := func(subject string) error {
		return smtp.SendMail(mp.SMTPAddr(), nil, "a@example.org", []string{"b@example.org"},
			[]byte("From: a@example.org\r\nTo: b@example.org\r\nSubject: "+subject+"\r\n\r\nbody\r\n"))
	}
	if err := send("first"); err != nil {
		t.Fatal(err)
	}
	msgs := mp.WaitForMessages(1, 5*time.Second)
	if msgs[0].Subject != "first" {
		t.Fatalf("subject %q", msgs[0].Subject)
	}
	if raw := mp.Raw(msgs[0].ID); !strings.Contains(string(raw), "Subject: first") {
		t.Errorf("raw source lacks subject:\n%s", raw)
	}

	mp.Stop()
	if c, err := net.DialTimeout("tcp", mp.SMTPAddr(), time.Second); err == nil {
		c.Close()
		t.Fatal("SMTP port still accepts connections after Stop")
	}
	if err := send("while down"); err == nil {
		t.Fatal("send succeeded while mailpit was stopped")
	}

	mp.Start()
	if err := send("second"); err != nil {
		t.Fatal(err)
	}
	msgs = mp.WaitForMessages(2, 5*time.Second)
	if len(msgs) != 2 {
		t.Fatalf("got %d messages after restart; want the first kept and the second added", len(msgs))
	}
	mp.DeleteAll()
	if n := len(mp.Messages()); n != 0 {
		t.Errorf("%d messages after DeleteAll", n)
	}
}
