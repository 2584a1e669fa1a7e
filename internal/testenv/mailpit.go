package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/build"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Mailpit is a running mailpit process on loopback ports, accepting any
// SMTP credentials (also without TLS), with its messages kept in a
// database file in a temp dir so they survive Stop/Start.
type Mailpit struct {
	SMTPHost string // "127.0.0.1"
	SMTPPort int
	HTTPURL  string // "http://127.0.0.1:PORT"

	t        testing.TB
	bin      string
	httpPort int
	db       string
	extra    []string

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	output *bytes.Buffer
}

// MailpitBinary returns the path of the mailpit binary (PATH first, then
// $GOPATH/bin), or "" when there is none.
func MailpitBinary() string {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		gopath = build.Default.GOPATH
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "mailpit")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// StartMailpit starts mailpit on free loopback ports, waits until both its
// SMTP and HTTP sides answer, and stops it when the test ends. extraArgs
// are passed to mailpit (e.g. "--smtp-allowed-recipients", "@ok\\.test$").
// Without a mailpit binary the test is skipped, or failed when CI=true.
func StartMailpit(t testing.TB, extraArgs ...string) *Mailpit {
	t.Helper()
	bin := MailpitBinary()
	if bin == "" {
		msg := "mailpit not found on PATH or in $GOPATH/bin (go install github.com/axllent/mailpit@v1.33.1)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	m := &Mailpit{
		t: t, bin: bin, SMTPHost: "127.0.0.1",
		SMTPPort: freePort(t), httpPort: freePort(t),
		db: filepath.Join(t.TempDir(), "mailpit.db"), extra: extraArgs,
	}
	m.HTTPURL = "http://127.0.0.1:" + strconv.Itoa(m.httpPort)
	t.Cleanup(m.Stop)
	m.Start()
	return m
}

// SMTPAddr returns "127.0.0.1:PORT".
func (m *Mailpit) SMTPAddr() string { return net.JoinHostPort(m.SMTPHost, strconv.Itoa(m.SMTPPort)) }

// Start starts mailpit on its ports (again, after Stop) and waits until it
// is ready; it fails the test when it is not ready within 15 seconds.
func (m *Mailpit) Start() {
	m.t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd != nil {
		return
	}
	m.output = new(bytes.Buffer)
	args := append([]string{
		"--smtp", m.SMTPAddr(),
		"--listen", "127.0.0.1:" + strconv.Itoa(m.httpPort),
		"--database", m.db,
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
		"--smtp-disable-rdns", "--disable-version-check", "--quiet",
	}, m.extra...)
	cmd := exec.Command(m.bin, args...)
	cmd.Stdout, cmd.Stderr = m.output, m.output
	if err := cmd.Start(); err != nil {
		m.t.Fatalf("mailpit: start: %v", err)
	}
	m.cmd, m.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(m.done)

	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-m.done:
			m.cmd = nil
			m.t.Fatalf("mailpit exited during start:\n%s", m.output)
		default:
		}
		if m.ready() {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("mailpit not ready after 15s:\n%s", m.output)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops mailpit (interrupt, then kill after 5 seconds) and waits for
// it to exit. Its SMTP port refuses connections until Start. Safe to call
// twice.
func (m *Mailpit) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Signal(os.Interrupt)
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
	m.cmd = nil
}

// Restart stops and starts mailpit on the same ports; stored messages stay.
func (m *Mailpit) Restart() {
	m.t.Helper()
	m.Stop()
	m.Start()
}

func (m *Mailpit) ready() bool {
	c, err := net.DialTimeout("tcp", m.SMTPAddr(), 200*time.Millisecond)
	if err != nil {
		return false
	}
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	banner := make([]byte, 3)
	_, err = io.ReadFull(c, banner)
	c.Close()
	if err != nil || string(banner) != "220" {
		return false
	}
	resp, err := http.Get(m.HTTPURL + "/api/v1/messages?limit=1")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// MailpitAddress is an address in mailpit's API.
type MailpitAddress struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// MailpitSummary is one entry of the message list.
type MailpitSummary struct {
	ID          string           `json:"ID"`
	MessageID   string           `json:"MessageID"`
	From        MailpitAddress   `json:"From"`
	To          []MailpitAddress `json:"To"`
	Subject     string           `json:"Subject"`
	Attachments int              `json:"Attachments"`
	Size        int              `json:"Size"`
}

// MailpitPart is an attachment or inline part of a message.
type MailpitPart struct {
	PartID      string `json:"PartID"`
	FileName    string `json:"FileName"`
	ContentType string `json:"ContentType"`
	ContentID   string `json:"ContentID"`
	Size        int    `json:"Size"`
}

// MailpitMessage is one message as mailpit parsed it.
type MailpitMessage struct {
	ID          string           `json:"ID"`
	MessageID   string           `json:"MessageID"`
	From        MailpitAddress   `json:"From"`
	To          []MailpitAddress `json:"To"`
	ReplyTo     []MailpitAddress `json:"ReplyTo"`
	Subject     string           `json:"Subject"`
	Date        time.Time        `json:"Date"`
	Text        string           `json:"Text"`
	HTML        string           `json:"HTML"`
	Attachments []MailpitPart    `json:"Attachments"`
	Inline      []MailpitPart    `json:"Inline"`
}

// Messages returns the stored messages, newest first.
func (m *Mailpit) Messages() []MailpitSummary {
	m.t.Helper()
	var out struct {
		Messages []MailpitSummary `json:"messages"`
	}
	m.getJSON("/api/v1/messages?limit=500", &out)
	return out.Messages
}

// WaitForMessages polls until at least n messages are stored (or fails the
// test after timeout) and returns them, newest first.
func (m *Mailpit) WaitForMessages(n int, timeout time.Duration) []MailpitSummary {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := m.Messages()
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("mailpit: %d messages after %v, want %d", len(msgs), timeout, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Message returns one message by mailpit ID.
func (m *Mailpit) Message(id string) MailpitMessage {
	m.t.Helper()
	var out MailpitMessage
	m.getJSON("/api/v1/message/"+id, &out)
	return out
}

// Raw returns a message's source as received.
func (m *Mailpit) Raw(id string) []byte {
	m.t.Helper()
	return m.get("/api/v1/message/" + id + "/raw")
}

// Part returns the decoded bytes of one part (attachment) of a message.
func (m *Mailpit) Part(id, partID string) []byte {
	m.t.Helper()
	return m.get("/api/v1/message/" + id + "/part/" + partID)
}

// DeleteAll deletes every stored message.
func (m *Mailpit) DeleteAll() {
	m.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodDelete, m.HTTPURL+"/api/v1/messages", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatalf("mailpit: delete: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		m.t.Fatalf("mailpit: delete: %s", resp.Status)
	}
}

func (m *Mailpit) get(path string) []byte {
	m.t.Helper()
	resp, err := http.Get(m.HTTPURL + path)
	if err != nil {
		m.t.Fatalf("mailpit: GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		m.t.Fatalf("mailpit: GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		m.t.Fatalf("mailpit: GET %s: %s: %s", path, resp.Status, body)
	}
	return body
}

func (m *Mailpit) getJSON(path string, v any) {
	m.t.Helper()
	if err := json.Unmarshal(m.get(path), v); err != nil {
		m.t.Fatalf("mailpit: GET %s: %v", path, fmt.Errorf("decode: %w", err))
	}
}
