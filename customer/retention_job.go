package customer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/job"
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
	// Jobs runs each customer and photo as a job item: one that fails or
	// crashes is marked for staff and left alone for a back-off; nil:
	// failures are only logged.
	Jobs *job.Runner
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
	if r.Jobs == nil {
		r.Jobs = &job.Runner{Log: r.Log, Now: r.Now}
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
		var p Purge
		err := r.Jobs.Item(ctx, JobPurge, job.Subject{Kind: job.KindCustomer, ID: d.CustomerID, TenantID: d.TenantID}, func() error {
			var err error
			p, err = r.Store.PurgeCustomer(identity.WithActor(ctx, identity.SystemFor(d.TenantID)), d.CustomerID, today)
			return err
		})
		if err != nil {
			out.PurgeFailed++ // logged and marked by Item
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
		err := job.Safely(func() error {
			var err error
			out.CardsDeleted, out.CardsFailed, err = r.Cards.DeleteOutstandingCards(all, r.Batch)
			return err
		})
		if err != nil {
			errList = append(errList, fmt.Errorf("delete cards at the gateway: %w", err))
		}
	}

	if err := job.Safely(func() error { return r.purgePhotos(ctx, all, now, &out) }); err != nil {
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
	held, err := r.Jobs.Held(all, JobPhotos, job.KindPhoto)
	if err != nil {
		return fmt.Errorf("list held photos: %w", err)
	}
	byTenant := map[int64][]int64{}
	var tenants []int64
	for _, p := range photos {
		if held[p.ID] {
			out.PhotosKept++
			continue
		}
		kept := true
		_ = r.Jobs.Item(ctx, JobPhotos, job.Subject{Kind: job.KindPhoto, ID: p.ID, TenantID: p.TenantID}, func() error {
			kept = !r.deletePhotoFiles(ctx, p, out)
			return nil
		})
		if kept {
			out.PhotosKept++
			continue
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

// deletePhotoFiles deletes the files of an expired photo kept outside the
// database and reports whether its row may go (false: kept, logged).
func (r *Retention) deletePhotoFiles(ctx context.Context, p ExpiredPhoto, out *RetentionRun) bool {
	if p.Storage == "db" {
		return true
	}
	if r.Blobs == nil || r.Blobs.Kind() != p.Storage {
		r.Log.WarnContext(ctx, "retention: expired photo kept, its storage is not configured in this process",
			"tenant_id", p.TenantID, "photo_id", p.ID, "storage", p.Storage)
		return false
	}
	if err := r.Blobs.Delete(ctx, p.StorageKey); err != nil {
		r.Log.ErrorContext(ctx, "retention: photo file not deleted", "tenant_id", p.TenantID, "photo_id", p.ID, "err", err)
		return false
	}
	if err := r.Blobs.Delete(ctx, p.StorageKey+"-thumb"); err != nil {
		r.Log.ErrorContext(ctx, "retention: photo thumbnail not deleted", "tenant_id", p.TenantID, "photo_id", p.ID, "err", err)
		return false
	}
	out.PhotoFiles += 2
	return true
}

// Run calls RunOnce after delay and then every interval until ctx ends; a
// failing pass is logged and the next one runs as planned.
func (r *Retention) Run(ctx context.Context, delay, interval time.Duration) {
	r.defaults()
	job.Every(ctx, r.Log, "retention", delay, interval, func(ctx context.Context) error {
		_, err := r.RunOnce(ctx)
		return err
	})
}

// Names of the retention job's parts (job.Runner, and the attention
// records staff see).
const (
	JobPurge  = "customer.purge"
	JobPhotos = "customer.photo_retention"
)
