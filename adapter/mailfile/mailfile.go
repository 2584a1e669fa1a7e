// Package mailfile is the "keep" mail transport for demo and development:
// instead of sending, it writes each message as an RFC 5322 .eml file
// (exactly the bytes the SMTP transport would send) into a directory,
// normally the data dir's mail/ folder. It implements mail.Transport.
package mailfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/internal/mailmime"
	"mietwerk.dev/mietwerk/mail"
)

// Transport writes messages into Dir.
type Transport struct {
	dir string
	now func() time.Time
}

var _ mail.Transport = (*Transport)(nil)

// New returns a Transport writing into dir, creating it when missing. now
// is the clock for the Date header and file names (nil: time.Now).
func New(dir string, now func() time.Time) (*Transport, error) {
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mailfile: %w", err)
	}
	return &Transport{dir: dir, now: now}, nil
}

// Send writes m as "<UTC time>-<message id>.eml" (with "-2", "-3", … when
// that name exists) and returns "kept <path>". The file appears complete
// or not at all. An invalid message is a permanent error; failing to write
// is temporary.
func (t *Transport) Send(ctx context.Context, m mail.Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", mail.TemporaryError(0, err)
	}
	now := t.now()
	raw, err := mailmime.Bytes(m, now)
	if err != nil {
		return "", mail.PermanentError(0, err)
	}
	tmp, err := os.CreateTemp(t.dir, ".tmp-*.eml")
	if err != nil {
		return "", mail.TemporaryError(0, fmt.Errorf("mailfile: %w", err))
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return "", mail.TemporaryError(0, fmt.Errorf("mailfile: write: %w", err))
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", mail.TemporaryError(0, fmt.Errorf("mailfile: sync: %w", err))
	}
	if err := tmp.Close(); err != nil {
		return "", mail.TemporaryError(0, fmt.Errorf("mailfile: close: %w", err))
	}
	base := now.UTC().Format("20060102T150405Z") + "-" + safeName(m.MessageID)
	for i := 1; i < 1000; i++ {
		name := base + ".eml"
		if i > 1 {
			name = fmt.Sprintf("%s-%d.eml", base, i)
		}
		path := filepath.Join(t.dir, name)
		// Link fails when path exists, so no message overwrites another.
		err := os.Link(tmp.Name(), path)
		if err == nil {
			return "kept " + path, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", mail.TemporaryError(0, fmt.Errorf("mailfile: %w", err))
		}
	}
	return "", mail.TemporaryError(0, fmt.Errorf("mailfile: too many files named %s", base))
}

// safeName reduces a Message-ID to characters that are safe in file names.
func safeName(id string) string {
	id = strings.Trim(id, "<>")
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == '@':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 80 {
			break
		}
	}
	if b.Len() == 0 {
		return "message"
	}
	return b.String()
}
