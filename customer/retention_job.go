package customer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"mietwerk.dev/mietwerk/identity"
)

// CardDeleter deletes at the gateway the stored cards that were deleted
// here (an erasure request) but are still held by the gateway.
type CardDeleter interface {
	// DeleteOutstandingCards tries up to limit such cards of every tenant
	// (ctx carries identity.System()) and reports how many the gateway
	// deleted and how many failed (to be tried again on the next run).
	DeleteOutstandingCards(ctx context.Context, limit int) (deleted, failed int, err error)
}

// BlobDeleter removes photo bytes kept outside the database (photofs).
type BlobDeleter interface {
	// Kind is the storage name recorded with the photos it holds ("dir").
	Kind() string
	// Delete removes the bytes under key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// RetentionRun reports what one pass of the retention job did.
type RetentionRun struct {
	Purged        []Purge // customers finally deleted (or postponed)
	PurgeFailed   int     // customers whose purge failed (tried again next run)
	CardsDeleted  int     // tokens deleted at the gateway
	CardsFailed   int     // token deletions that failed (tried again next run)
	PhotosDeleted int     // damage photo rows deleted
	PhotoFiles    int     // photo files (image and thumbnail) deleted
	PhotosKept    int     // expired photos whose files could not be deleted (kept, tried again)
}

// Retention is the background job that carries out the retention rules
// (GDPR Art. 17(3)(b) together with §147 AO / §14b UStG): it deletes what
// an erasure request had to keep once the retention period has ended,
// deletes card tokens at the gateway whose deletion is still outstanding,
// and deletes damage photos past the tenant's photo retention. Every step is
// idempotent and safe when several server processes run it at once.
type Retention struct {
	Store RetentionStore
	Cards CardDeleter // nil: no gateway deletion
	Blobs BlobDeleter // nil: photos are kept only in the database
	Now   func() time.Time
	Log   *slog.Logger
	// Zone is the calendar in which erase_after dates are compared
	// (default Europe/Berlin).
	Zone *time.Location
	// Batch is how many customers, cards and photos one pass handles at
	// most of each (default 200); the rest follow on the next pass.
	Batch int
}

func (r *Retention) defaults() {
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Log == nil {
		r.Log = slog.Default()
	}
	if r.Zone == nil {
		r.Zone = berlin
	}
	if r.Batch <= 0 {
		r.Batch = 200
	}
}

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return l
}()

// RunOnce makes one pass over every tenant (ctx need not carry an actor;
// the job acts as the system). A failure of one customer, card or photo is
// logged and counted, and the pass goes on; the error reports what could
// not even be listed.
func (r *Retention) RunOnce(ctx context.Context) (RetentionRun, error) {
	r.defaults()
	var out RetentionRun
	var errList []error
	all := identity.WithActor(ctx, identity.System())
	now := r.Now()
	today := now.In(r.Zone).Format("2006-01-02")

	due, err := r.Store.DuePurges(all, today, r.Batch)
	if err != nil {
		errList = append(errList, fmt.Errorf("list due purges: %w", err))
	}
	for _, d := range due {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		p, err := r.Store.PurgeCustomer(identity.WithActor(ctx, identity.SystemFor(d.TenantID)), d.CustomerID, today)
		if err != nil {
			out.PurgeFailed++
			r.Log.ErrorContext(ctx, "retention: purge failed", "tenant_id", d.TenantID, "customer_id", d.CustomerID, "err", err)
			continue
		}
		if p.Skipped {
			continue
		}
		out.Purged = append(out.Purged, p)
		if p.Postponed != "" {
			r.Log.InfoContext(ctx, "retention: purge postponed, the retention period was raised", "tenant_id", d.TenantID,
				"customer_id", d.CustomerID, "erase_after", p.Postponed)
		} else {
			r.Log.InfoContext(ctx, "retention: customer data deleted after the retention period", "tenant_id", d.TenantID,
				"customer_id", d.CustomerID, "erase_after", p.EraseAfter, "deleted", p.Deleted)
		}
	}

	if r.Cards != nil {
		out.CardsDeleted, out.CardsFailed, err = r.Cards.DeleteOutstandingCards(all, r.Batch)
		if err != nil {
			errList = append(errList, fmt.Errorf("delete cards at the gateway: %w", err))
		}
	}

	if err := r.purgePhotos(ctx, all, now, &out); err != nil {
		errList = append(errList, err)
	}
	return out, errors.Join(errList...)
}

// purgePhotos deletes expired photos: first their files (so that a crash in
// between leaves a row pointing at nothing, never a file nobody knows of),
// then their rows. A photo whose file cannot be deleted keeps its row.
func (r *Retention) purgePhotos(ctx, all context.Context, now time.Time, out *RetentionRun) error {
	photos, err := r.Store.ExpiredPhotos(all, now, r.Batch)
	if err != nil {
		return fmt.Errorf("list expired photos: %w", err)
	}
	byTenant := map[int64][]int64{}
	var tenants []int64
	for _, p := range photos {
		if p.Storage != "db" {
			if r.Blobs == nil || r.Blobs.Kind() != p.Storage {
				out.PhotosKept++
				r.Log.WarnContext(ctx, "retention: expired photo kept, its storage is not configured in this process",
					"tenant_id", p.TenantID, "photo_id", p.ID, "storage", p.Storage)
				continue
			}
			if err := r.Blobs.Delete(ctx, p.StorageKey); err != nil {
				out.PhotosKept++
				r.Log.ErrorContext(ctx, "retention: photo file not deleted", "tenant_id", p.TenantID, "photo_id", p.ID, "err", err)
				continue
			}
			if err := r.Blobs.Delete(ctx, p.StorageKey+"-thumb"); err != nil {
				out.PhotosKept++
				r.Log.ErrorContext(ctx, "retention: photo thumbnail not deleted", "tenant_id", p.TenantID, "photo_id", p.ID, "err", err)
				continue
			}
			out.PhotoFiles += 2
		}
		if _, ok := byTenant[p.TenantID]; !ok {
			tenants = append(tenants, p.TenantID)
		}
		byTenant[p.TenantID] = append(byTenant[p.TenantID], p.ID)
	}
	var errList []error
	for _, tid := range tenants {
		n, err := r.Store.DeletePhotos(identity.WithActor(ctx, identity.SystemFor(tid)), byTenant[tid])
		out.PhotosDeleted += n
		if err != nil {
			errList = append(errList, fmt.Errorf("delete photos of tenant %d: %w", tid, err))
		}
	}
	if out.PhotosDeleted > 0 {
		r.Log.InfoContext(ctx, "retention: damage photos deleted after the photo retention", "photos", out.PhotosDeleted, "files", out.PhotoFiles)
	}
	return errors.Join(errList...)
}

// Run calls RunOnce after delay and then every interval until ctx ends.
func (r *Retention) Run(ctx context.Context, delay, interval time.Duration) {
	r.defaults()
	t := time.NewTimer(delay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.Log.ErrorContext(ctx, "retention job", "err", err)
		}
		t.Reset(interval)
	}
}
