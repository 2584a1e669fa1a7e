package mail

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"mietwerk.dev/mietwerk/job"
)

// Status of a queued message.
type Status string

// Queued message statuses.
const (
	StatusQueued Status = "queued"
	StatusSent   Status = "sent"
	StatusFailed Status = "failed" // gave up; staff can resend
)

// Links ties a queued message to what caused it.
type Links struct {
	StationID     int64
	ReservationID int64
	ContractID    int64
	CustomerID    int64
}

// Queued is a message in the outbox.
type Queued struct {
	ID       int64
	TenantID int64
	Links
	Message       Message
	Status        Status
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	SentAt        *time.Time
	CreatedAt     time.Time
}

// Attempt is one delivery attempt with the server's answer.
type Attempt struct {
	At       time.Time
	OK       bool
	Response string
	Worker   string
}

// OutboxStore is what the outbox worker needs from storage. Claim leases due
// messages to one worker so that several workers (in several processes) never
// send the same message at the same time; a lease that runs out (the worker
// died) makes the message due again.
type OutboxStore interface {
	ClaimEmails(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]Queued, error)
	// MarkEmailSent records a delivered message; only the claiming worker may.
	MarkEmailSent(ctx context.Context, id int64, worker string, a Attempt) error
	// MarkEmailFailed records a failed attempt and when to try next, or that
	// the outbox gave up (giveUp).
	MarkEmailFailed(ctx context.Context, id int64, worker string, a Attempt, next time.Time, giveUp bool) error
}

// OutboxConfig tunes the outbox worker.
type OutboxConfig struct {
	Worker      string        // name of this worker, unique per process (host:pid)
	Interval    time.Duration // how often to look for due messages (default 1 s)
	Lease       time.Duration // how long a claim lasts (default 2 min; above the SMTP timeout)
	Batch       int           // messages per claim (default 10)
	MaxAttempts int           // attempts before giving up (default 8)
	// Backoff says how long to wait after the attempt-th failure (default Backoff).
	Backoff func(attempt int) time.Duration
}

// Outbox delivers queued messages through a Transport.
type Outbox struct {
	store OutboxStore
	tr    Transport
	cfg   OutboxConfig
	now   func() time.Time
	log   *slog.Logger
	wake  chan struct{}
}

// NewOutbox returns an outbox worker.
func NewOutbox(store OutboxStore, tr Transport, cfg OutboxConfig, now func() time.Time, log *slog.Logger) *Outbox {
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	if cfg.Lease == 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Batch == 0 {
		cfg.Batch = 10
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Backoff == nil {
		cfg.Backoff = Backoff
	}
	if cfg.Worker == "" {
		cfg.Worker = "worker"
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Outbox{store: store, tr: tr, cfg: cfg, now: now, log: log, wake: make(chan struct{}, 1)}
}

// Wake asks the worker to look for due messages now (after a business
// transaction queued one).
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// RunOnce claims and sends one batch. It returns how many messages it
// attempted. Sends already started finish even when ctx is cancelled.
func (o *Outbox) RunOnce(ctx context.Context) (int, error) {
	// In-flight sends are not cut short by shutdown (see job.Batch), so a
	// message is never left half-sent by a drain.
	return job.Batch(ctx, o.cfg.Lease, func(ctx context.Context) ([]Queued, error) {
		return o.store.ClaimEmails(ctx, o.cfg.Worker, o.now().UTC(), o.cfg.Lease, o.cfg.Batch)
	}, o.deliverSafely)
}

// deliverSafely delivers q; a crash while sending it (a bug, e.g. in
// encoding this message) is logged with the message's id and stack, and
// the message is marked failed for staff (the E-Mail list shows it with
// the reference; staff can resend it), so it is neither sent again in a
// loop nor in the way of the others.
func (o *Outbox) deliverSafely(ctx context.Context, q Queued) {
	err := job.Safely(func() error { o.deliver(ctx, q); return nil })
	if err == nil {
		return
	}
	ref := job.NewRef()
	job.LogError(ctx, o.log, "outbox: sending a message crashed; it is marked failed for staff and the outbox goes on", err,
		"email_id", q.ID, "tenant_id", q.TenantID, "ref", ref)
	a := Attempt{At: o.now().UTC(), Worker: o.cfg.Worker,
		Response: "Interner Fehler beim Versand (Referenz " + ref + "); die Nachricht wurde angehalten, bitte den Betreiber informieren."}
	if err := o.store.MarkEmailFailed(ctx, q.ID, o.cfg.Worker, a, a.At, true); err != nil {
		o.log.ErrorContext(ctx, "outbox: failure not recorded", "email_id", q.ID, "err", err)
	}
}

func (o *Outbox) deliver(ctx context.Context, q Queued) {
	resp, err := o.tr.Send(ctx, q.Message)
	a := Attempt{At: o.now().UTC(), OK: err == nil, Response: resp, Worker: o.cfg.Worker}
	if err == nil {
		if err := o.store.MarkEmailSent(ctx, q.ID, o.cfg.Worker, a); err != nil {
			o.log.ErrorContext(ctx, "outbox: sent but not marked; it may be sent again after the lease", "email_id", q.ID, "err", err)
		}
		return
	}
	a.Response = err.Error()
	attempt := q.Attempts + 1
	giveUp := Permanent(err) || ShouldGiveUp(attempt, o.cfg.MaxAttempts)
	next := a.At.Add(o.cfg.Backoff(attempt))
	if giveUp {
		o.log.WarnContext(ctx, "outbox: giving up on message", "email_id", q.ID, "attempts", attempt, "err", err)
	}
	if err := o.store.MarkEmailFailed(ctx, q.ID, o.cfg.Worker, a, next, giveUp); err != nil {
		o.log.ErrorContext(ctx, "outbox: failure not recorded", "email_id", q.ID, "err", err)
	}
}

// Run sends due messages until ctx ends, then returns after in-flight
// sends finish: at once, every Interval and when woken, batch after batch
// while batches come full. A failing or crashing pass is logged and the
// next one runs as planned.
func (o *Outbox) Run(ctx context.Context) {
	job.EveryOr(ctx, o.log, "outbox", 0, o.cfg.Interval, o.wake, func(ctx context.Context) error {
		for {
			n, err := o.RunOnce(ctx)
			if err != nil || n < o.cfg.Batch || ctx.Err() != nil {
				if errors.Is(err, context.Canceled) {
					err = nil
				}
				return err
			}
		}
	})
}

// Filter selects messages for the admin list.
type Filter struct {
	Status        string
	ReservationID int64
	ContractID    int64
	Limit, Offset int
}

// AdminStore is what the admin "E-Mails" pages need, scoped by the actor in
// ctx (station users see the messages of their stations).
type AdminStore interface {
	QueueEmail(ctx context.Context, q *Queued) error
	ListEmails(ctx context.Context, f Filter) ([]Queued, int, error)
	// Email returns one message with its attachments and delivery attempts.
	Email(ctx context.Context, id int64) (Queued, []Attempt, error)
	// ResendEmail queues a failed or sent message again for delivery now.
	ResendEmail(ctx context.Context, id int64) error
	EmailCounts(ctx context.Context) (map[string]int, error)
}
