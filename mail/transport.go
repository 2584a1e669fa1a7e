package mail

import (
	"context"
	"errors"
	"fmt"
)

// Transport delivers messages. Send returns the server's response (e.g.
// "250 2.0.0 Ok: queued as ABC") or a description of where the message was
// kept. A failed Send returns an error that Permanent classifies: permanent
// when retrying cannot help (5xx SMTP replies, an invalid message), else
// temporary (connection refused, timeouts, 4xx replies).
type Transport interface {
	Send(ctx context.Context, m Message) (response string, err error)
}

// SendError is a failed delivery with its classification.
type SendError struct {
	Permanent bool
	Code      int    // SMTP reply code when known (e.g. 550, 421), else 0
	Response  string // the server's reply text when known
	Err       error
}

func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	if e.Code != 0 {
		return fmt.Sprintf("mail: %s failure (%d): %v", kind, e.Code, e.Err)
	}
	return fmt.Sprintf("mail: %s failure: %v", kind, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// PermanentError wraps err as a permanent failure.
func PermanentError(code int, err error) error {
	return &SendError{Permanent: true, Code: code, Err: err}
}

// TemporaryError wraps err as a temporary failure.
func TemporaryError(code int, err error) error {
	return &SendError{Permanent: false, Code: code, Err: err}
}

// Permanent reports whether err is a permanent failure: retrying the same
// message cannot succeed. Errors that are not a *SendError are treated as
// temporary, so an unexpected error never drops a message.
func Permanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}
