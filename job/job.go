// Package job runs Mietwerk's background jobs (settling pending bookings,
// refund retries, resumed billing, the payment reconciler, the e-mail
// outbox, retention, backups) so that one bad item never stops a job or
// the process:
//
//   - Every runs a job's passes on a timer and recovers a panic of a whole
//     pass (logged with its stack; the next pass runs as planned);
//   - Runner.Item runs one item of a pass (a booking, contract, payment,
//     customer, ...): a panic becomes an error with the stack, is logged
//     with the item's id, and the item is recorded as needing attention,
//     with a back-off before the job tries it again, so a poison row is
//     neither retried in a tight loop nor blocks the others; a later
//     success clears the record.
//
// Staff see the records (an Attention) on the booking or contract page
// and on the dashboard as "needs attention", with a reference that finds
// the log entry with the stack.
package job

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"mietwerk.dev/mietwerk/identity"
)

// Subject kinds: what a job works on, one row each.
const (
	KindReservation = "reservation"
	KindContract    = "contract"
	KindPayment     = "payment"
	KindCustomer    = "customer"
	KindCard        = "card"
	KindPhoto       = "photo"
)

// Subject is the item a job works on.
type Subject struct {
	Kind     string // one of the Kind constants
	ID       int64
	TenantID int64
}

// Attention is the record of an item a job failed on: shown to staff until
// the job succeeds with it or staff dismiss it.
type Attention struct {
	ID         int64
	Job        string // the job's name, e.g. "booking.finish_pending"
	Subject    Subject
	Failures   int       // failures in a row
	Panicked   bool      // the last failure was a crash (a bug), not an error
	Error      string    // the last failure, for operators (not shown to staff)
	Ref        string    // the reference logged with the last failure
	FirstAt    time.Time // first failure
	LastAt     time.Time // last failure
	RetryAfter time.Time // the job leaves the item alone until then

	// Label names the item for staff (a booking's or contract's number, a
	// customer's name, a payment's order); Parent is, for a payment, its
	// booking or contract. Listings fill both.
	Label  string
	Parent Subject
}

// Visible reports whether staff should see the record: at once after a
// crash, after VisibleAfter failures in a row otherwise (a gateway or
// database that is briefly away is not staff's business).
func (a Attention) Visible() bool { return a.Panicked || a.Failures >= VisibleAfter }

// VisibleAfter is how many failures in a row (without a crash) make an
// item visible to staff.
const VisibleAfter = 3

// Failure is one failed item as a job reports it.
type Failure struct {
	Job      string
	Subject  Subject
	Panicked bool
	Error    string
	Ref      string
	At       time.Time
}

// Store keeps the attention records; the jobs' listing queries leave out
// items whose RetryAfter has not come.
type Store interface {
	// RecordJobFailure adds a failure to the item's record (creating it)
	// and sets RetryAfter to f.At plus retry(failures in a row).
	RecordJobFailure(ctx context.Context, f Failure, retry func(failures int) time.Duration) (Attention, error)
	// ClearJobFailure removes the item's record for the job, if any.
	ClearJobFailure(ctx context.Context, job string, s Subject) error
	// HeldJobItems returns the ids of the items of kind the job leaves
	// alone now (their back-off has not ended), of the tenants the actor
	// in ctx may act for.
	HeldJobItems(ctx context.Context, job, kind string) (map[int64]bool, error)
}

// PanicError is a recovered panic with the stack where it happened.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// Safely calls fn and returns its error, or a *PanicError when it panics.
func Safely(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// Backoff is the default wait before a job tries a failed item again:
// 1 minute after the first failure, doubling, at most 6 hours.
func Backoff(failures int) time.Duration {
	d := time.Minute
	for i := 1; i < failures && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// Runner runs the items of one job's passes. The zero value logs to
// slog.Default and records nothing.
type Runner struct {
	Store Store // nil: failures are only logged
	Log   *slog.Logger
	Now   func() time.Time
	Retry func(failures int) time.Duration // default Backoff
}

func (r *Runner) log() *slog.Logger {
	if r == nil || r.Log == nil {
		return slog.Default()
	}
	return r.Log
}

func (r *Runner) now() time.Time {
	if r == nil || r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

// Item runs fn for one item s of job. It never panics: a panic of fn is
// logged at error level with the item's id and the stack and returned as a
// *PanicError; an error is logged and returned. Either way the item is
// recorded as needing attention (with a back-off before the job's listing
// offers it again). A success clears an earlier record. The records are
// written as the system for s.TenantID, whoever runs the item.
func (r *Runner) Item(ctx context.Context, job string, s Subject, fn func() error) error {
	err := Safely(fn)
	// the records are the system's, whoever runs the item (a job, or staff
	// whose request runs one)
	if err == nil {
		r.Clear(ctx, job, s)
		return nil
	}
	_, crashed := err.(*PanicError)
	if ctx.Err() != nil && !crashed {
		return err // shutting down: the item was cut short, not at fault
	}
	f := Failure{Job: job, Subject: s, Error: err.Error(), Ref: NewRef(), At: r.now().UTC()}
	attrs := []any{"job", job, s.Kind + "_id", s.ID, "tenant_id", s.TenantID, "ref", f.Ref}
	msg := "job: an item failed; it waits for a retry and the job goes on"
	if crashed {
		f.Panicked = true
		msg = "job: an item crashed the job; it is marked for staff and the job goes on"
	}
	LogError(ctx, r.log(), msg, err, attrs...)
	if r == nil || r.Store == nil {
		return err
	}
	retry := r.Retry
	if retry == nil {
		retry = Backoff
	}
	sys := identity.WithActor(context.WithoutCancel(ctx), identity.SystemFor(s.TenantID))
	if _, rerr := r.Store.RecordJobFailure(sys, f, retry); rerr != nil {
		r.log().ErrorContext(ctx, "job: could not record an item's failure", append(attrs, "err", rerr)...)
	}
	return err
}

// Clear deletes the item's record for job, if any: staff did by hand what
// the job could not. Failing to delete only logs.
func (r *Runner) Clear(ctx context.Context, job string, s Subject) {
	if r == nil || r.Store == nil {
		return
	}
	sys := identity.WithActor(context.WithoutCancel(ctx), identity.SystemFor(s.TenantID))
	if err := r.Store.ClearJobFailure(sys, job, s); err != nil {
		r.log().ErrorContext(ctx, "job: could not clear an item's failure record", "job", job,
			s.Kind+"_id", s.ID, "tenant_id", s.TenantID, "err", err)
	}
}

// Held returns the ids of the items of kind that job leaves alone now
// (their back-off after a failure has not ended); for jobs whose listing
// cannot leave them out itself. Without a store, none.
func (r *Runner) Held(ctx context.Context, job, kind string) (map[int64]bool, error) {
	if r == nil || r.Store == nil {
		return map[int64]bool{}, nil
	}
	return r.Store.HeldJobItems(ctx, job, kind)
}

// NewRef returns a short random reference that ties what staff see to the
// log entry.
func NewRef() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Every calls pass after first and then every interval until ctx ends. A
// panic in pass is recovered and logged with its stack; an error is
// logged; the loop goes on either way.
func Every(ctx context.Context, log *slog.Logger, name string, first, interval time.Duration, pass func(ctx context.Context) error) {
	EveryOr(ctx, log, name, first, interval, nil, pass)
}

// EveryOr is Every that also runs a pass when wake receives.
func EveryOr(ctx context.Context, log *slog.Logger, name string, first, interval time.Duration, wake <-chan struct{}, pass func(ctx context.Context) error) {
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTimer(first)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
		}
		if err := Safely(func() error { return pass(ctx) }); err != nil && ctx.Err() == nil {
			LogError(ctx, log, "job: a pass failed; the job goes on", err, "job", name)
		}
		t.Reset(interval)
	}
}

// LogError logs err at error level with attrs; a *PanicError with its
// value and stack.
func LogError(ctx context.Context, log *slog.Logger, msg string, err error, attrs ...any) {
	if p, ok := err.(*PanicError); ok {
		attrs = append(attrs, "panic", fmt.Sprint(p.Value), "stack", string(p.Stack))
	} else {
		attrs = append(attrs, "err", err)
	}
	log.ErrorContext(ctx, msg, attrs...)
}

// Batch claims a batch of work and does each item at once, each in its own
// goroutine, and returns how many items it claimed. The items get a context
// of their own, bounded by lease and detached from ctx: work already
// started is not cut short by a shutdown (it would be left half-done), and
// it ends before the claim's lease does.
func Batch[T any](ctx context.Context, lease time.Duration, claim func(context.Context) ([]T, error), each func(context.Context, T)) (int, error) {
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	batch, err := claim(ctx)
	if err != nil {
		return 0, err
	}
	itemCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lease)
	defer cancel()
	var wg sync.WaitGroup
	for _, it := range batch {
		wg.Go(func() { each(itemCtx, it) })
	}
	wg.Wait()
	return len(batch), nil
}
