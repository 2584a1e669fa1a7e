package customer

import (
	"context"
	"time"
)

// Retention: what happens to an erased (blocked) customer once the legal
// retention period has ended, and to damage photos past the tenant's photo
// retention. See Retention (the job) and RetentionStore (its storage).

// PurgeDue names a blocked customer whose erase_after date has passed.
type PurgeDue struct {
	TenantID   int64
	CustomerID int64
	EraseAfter string // YYYY-MM-DD
}

// Purge reports what the final deletion of one customer did.
type Purge struct {
	TenantID   int64
	CustomerID int64
	EraseAfter string // YYYY-MM-DD, the date that was due
	// Deleted counts what was deleted or anonymised, by kind ("invoices",
	// "invoice_lines", "documents", "emails", "name_address", ...).
	Deleted map[string]int64
	// Skipped: nothing was done because another process purged the
	// customer already or the customer is no longer due.
	Skipped bool
	// Postponed is the new erase_after date when the tenant's retention
	// period was raised after the erasure request and the invoices must be
	// kept longer ("" otherwise). Nothing was deleted then.
	Postponed string
}

// ExpiredPhoto is a damage photo past the tenant's photo retention whose
// damage no longer needs it (see RetentionStore.ExpiredPhotos).
type ExpiredPhoto struct {
	ID         int64
	TenantID   int64
	DamageID   int64
	Storage    string // "db", "dir" or "s3"
	StorageKey string // key of the bytes (and key+"-thumb") outside the database
}

// RetentionStatus is what the customer page shows about an erasure.
type RetentionStatus struct {
	RestrictedAt *time.Time // when the erasure request blocked the data; nil: not erased
	EraseAfter   string     // YYYY-MM-DD: the kept data is deleted on the day after
	PurgedAt     *time.Time // when it was deleted finally; nil: not yet
	// CardsPending counts stored cards deleted here whose token the gateway
	// still holds (deletion retried by the retention job); CardsDeleted
	// those the gateway has deleted.
	CardsPending int
	CardsDeleted int
	// CardError is the gateway's last answer for a pending card ("" if none).
	CardError string
}

// RetentionStore is the storage of the retention job. Methods run with the
// system actor: the listing ones for all tenants (identity.System()) or one
// tenant, the changing ones for one tenant (identity.SystemFor).
type RetentionStore interface {
	// DuePurges lists up to limit blocked customers not purged yet whose
	// erase_after lies before today (YYYY-MM-DD in the tenant's calendar).
	DuePurges(ctx context.Context, today string, limit int) ([]PurgeDue, error)
	// PurgeCustomer deletes, in one transaction, what the retention duty
	// kept of a blocked customer once erase_after lies before today:
	// invoices, their lines and documents, the customer's e-mails; name,
	// address and e-mail are anonymised, driver names, protocol signatures
	// and booking notes blanked; an audit entry lists the counts. Bookings,
	// contracts and payments stay as anonymous records. It is idempotent and
	// safe when several processes call it at once: a customer already purged
	// (or not due) gives Purge.Skipped. Errors: KindNotFound, KindForbidden.
	PurgeCustomer(ctx context.Context, id int64, today string) (Purge, error)
	// ExpiredPhotos lists up to limit damage photos older than the tenant's
	// photo_retention_days whose damage is repaired since that long and, for
	// a damage found during a rental, whose contract is billed or closed and
	// ended that long ago. Photos of open damages are kept: they document
	// the vehicle's condition.
	ExpiredPhotos(ctx context.Context, now time.Time, limit int) ([]ExpiredPhoto, error)
	// DeletePhotos deletes the tenant's photo rows ids (bytes in the
	// database with them) with an audit entry per damage; it returns how many
	// rows it deleted (ids already gone are skipped).
	DeletePhotos(ctx context.Context, ids []int64) (int, error)
}

// RetentionReader reads the erasure state of one customer the actor may see.
type RetentionReader interface {
	// RetentionStatus errors: KindNotFound.
	RetentionStatus(ctx context.Context, id int64) (RetentionStatus, error)
}
