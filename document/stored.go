package document

import (
	"context"
	"time"
)

// Stored is an issued file (invoice PDF, protocol, contract) with its exact
// bytes and their SHA-256, as kept for the retention period.
type Stored struct {
	ID          int64
	Kind        string
	Filename    string
	ContentType string
	SHA256      string
	Data        []byte
	CreatedAt   time.Time
}

// Archive returns issued documents, scoped by the actor in ctx. Errors:
// errs.KindNotFound for documents outside the actor's reach.
type Archive interface {
	Document(ctx context.Context, id int64) (Stored, error)
}
