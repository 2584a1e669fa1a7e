package webhook

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/mail"
)

// Request is one delivery attempt as the Sender makes it: a POST of Body
// with Headers to URL.
type Request struct {
	URL     string
	Headers map[string]string
	Body    []byte
}

// Response is the receiver's answer.
type Response struct {
	Status int
	// Body is the start of the answer's body (at most 1 KB, valid UTF-8).
	Body string
	// RetryAfter is the wait a 429 or 503 answer asked for (0: none).
	RetryAfter time.Duration
}

// Sender makes delivery requests (an adapter: HTTP). An error means no
// HTTP answer came back: the connection failed or timed out, or the
// address was refused (a private address without Policy.AllowPrivate).
type Sender interface {
	Send(ctx context.Context, r Request) (Response, error)
}

// Renderer renders the data of an event: its object as the booking API
// returns it, read after the commit that queued the event. ctx carries the
// system actor of the event's tenant. Errors: KindNotFound when the object
// no longer exists (deleted test data, a purged customer's booking).
type Renderer interface {
	Data(ctx context.Context, ev Event) ([]byte, error)
}

// Notifier builds the e-mails that tell a tenant's administrators that an
// endpoint was disabled (queued in the transaction that disables it).
// ctx carries the system actor of the endpoint's tenant.
type Notifier interface {
	EndpointDisabled(ctx context.Context, ep Endpoint, reason DisabledReason, last Attempt) ([]mail.Queued, error)
}

// DispatchStore is what the Dispatcher needs from storage, for all tenants
// (ctx carries the all-tenants system actor). Claims lease deliveries to
// one worker so that several workers, in several processes, never send the
// same delivery at once; a lease that runs out (the worker died) makes it
// due again. A delivery is claimed only when its event has its payload,
// its endpoint is enabled, and no earlier delivery of the same booking (or
// object) to the same endpoint is still pending.
type DispatchStore interface {
	// EventsToRender returns events without payload whose next render
	// attempt is due, oldest first.
	EventsToRender(ctx context.Context, now time.Time, limit int) ([]Event, error)
	// SetEventPayload stores the payload of an event that has none yet.
	SetEventPayload(ctx context.Context, id int64, payload []byte) error
	// EventRenderFailed records a failed render and when to try again, or
	// (giveUp) fails the event's pending deliveries with msg.
	EventRenderFailed(ctx context.Context, id int64, msg string, next time.Time, giveUp bool) error
	ClaimDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]Claim, error)
	// MarkDelivered records a delivery by the worker holding its lease and
	// that its endpoint works.
	MarkDelivered(ctx context.Context, id int64, worker string, a Attempt) error
	// MarkDeliveryFailed records a failed attempt and the next one (or that
	// the delivery is given up) and returns since when the endpoint has
	// been failing (its first failure after the last success) and when
	// this delivery's first attempt was.
	MarkDeliveryFailed(ctx context.Context, id int64, worker string, a Attempt, next time.Time, giveUp bool) (failingSince, firstAttempt time.Time, err error)
	// DisableEndpoint disables an enabled endpoint and queues msgs, in one
	// transaction; false when it was disabled already.
	DisableEndpoint(ctx context.Context, tenantID, id int64, reason DisabledReason, msgs []mail.Queued) (bool, error)
	// EndpointForNotice reads an endpoint (without its secret) of a tenant.
	EndpointForNotice(ctx context.Context, tenantID, id int64) (Endpoint, error)
}

// Config tunes the Dispatcher.
type Config struct {
	Worker   string          // name of this worker, unique per process (host:pid)
	Interval time.Duration   // how often to look for due work (default 1 s)
	Timeout  time.Duration   // how long an attempt may take (default 15 s; the Sender enforces it)
	Lease    time.Duration   // how long a claim lasts (default Timeout plus 5 s: a dead worker's deliveries are due again then)
	Batch    int             // deliveries per claim (default 20)
	Schedule []time.Duration // retry schedule (default Schedule)
}

// MaxRenderAttempts is how often rendering an event's data is tried (with
// growing pauses up to five minutes, about an hour in all) before its
// deliveries fail.
const MaxRenderAttempts = 20

// Dispatcher renders queued events and delivers them.
type Dispatcher struct {
	store  DispatchStore
	render Renderer
	send   Sender
	notify Notifier
	cfg    Config
	now    func() time.Time
	log    *slog.Logger
	wake   chan struct{}
}

// NewDispatcher returns a dispatcher (now defaults to time.Now, log to
// slog.Default()).
func NewDispatcher(store DispatchStore, r Renderer, s Sender, n Notifier, cfg Config, now func() time.Time, log *slog.Logger) *Dispatcher {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = cfg.Timeout + 5*time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 20
	}
	if len(cfg.Schedule) == 0 {
		cfg.Schedule = Schedule
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
	return &Dispatcher{store: store, render: r, send: s, notify: n, cfg: cfg, now: now, log: log, wake: make(chan struct{}, 1)}
}

// Wake asks the dispatcher to look for work now (a transaction queued an
// event): the payload is rendered right after the commit.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// RenderNow renders every event whose render is due (the store's event
// hook after a commit) and wakes the worker to deliver them. It acts as
// the all-tenants system, whoever made the change.
func (d *Dispatcher) RenderNow(ctx context.Context) {
	ctx = identity.WithActor(ctx, identity.System())
	for {
		n, err := d.RenderOnce(ctx)
		if err != nil {
			d.log.ErrorContext(ctx, "webhook: render after commit; the worker tries again", "err", err)
			break
		}
		if n < d.cfg.Batch {
			break
		}
	}
	d.Wake()
}

// RenderOnce renders the due events of one batch and returns how many it
// rendered. A render that fails is tried again later; an object that no
// longer exists, or MaxRenderAttempts failures, fail the event's
// deliveries. ctx carries the all-tenants system actor.
func (d *Dispatcher) RenderOnce(ctx context.Context) (int, error) {
	evs, err := d.store.EventsToRender(ctx, d.now().UTC(), d.cfg.Batch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ev := range evs {
		tctx := identity.WithActor(ctx, identity.SystemFor(ev.TenantID))
		var body []byte
		err := job.Safely(func() error {
			data, err := d.render.Data(tctx, ev)
			if err == nil {
				body, err = Body(ev, data)
			}
			return err
		})
		if err == nil {
			if err := d.store.SetEventPayload(ctx, ev.ID, body); err != nil {
				return n, err
			}
			n++
			continue
		}
		attempt := ev.RenderAttempts + 1
		gone := errs.Is(err, errs.KindNotFound)
		_, crashed := err.(*job.PanicError)
		giveUp := gone || crashed || attempt >= MaxRenderAttempts
		msg := "the event's data could not be prepared"
		switch {
		case gone:
			msg = "the " + string(ev.Type.Object()) + " was deleted before the event could be prepared"
			d.log.WarnContext(ctx, "webhook: object of an event no longer exists; its deliveries fail", "event_id", ev.ID,
				"type", ev.Type, "object", ev.Ref.Label)
		case crashed: // a bug: not tried again in a loop, staff see the reference
			ref := job.NewRef()
			msg = "preparing the event crashed (reference " + ref + "); tell the operator"
			job.LogError(ctx, d.log, "webhook: rendering an event crashed; its deliveries fail and the dispatcher goes on", err,
				"event_id", ev.ID, "type", ev.Type, "ref", ref)
		default:
			d.log.ErrorContext(ctx, "webhook: rendering an event failed", "event_id", ev.ID, "type", ev.Type, "attempt", attempt,
				"give_up", giveUp, "err", err)
		}
		pause := min(time.Duration(1<<min(attempt, 9))*time.Second, 5*time.Minute)
		if err := d.store.EventRenderFailed(ctx, ev.ID, msg, d.now().UTC().Add(pause), giveUp); err != nil {
			return n, err
		}
	}
	return n, nil
}

// DeliverOnce claims one batch of due deliveries and sends them, each in
// its own goroutine, and returns how many it attempted. Attempts already
// started finish (within the timeout) even when ctx ends.
func (d *Dispatcher) DeliverOnce(ctx context.Context) (int, error) {
	return job.Batch(ctx, d.cfg.Lease, func(ctx context.Context) ([]Claim, error) {
		return d.store.ClaimDeliveries(ctx, d.cfg.Worker, d.now().UTC(), d.cfg.Lease, d.cfg.Batch)
	}, d.deliverSafely)
}

// deliverSafely delivers c; a crash while doing so (a bug) is logged with
// the delivery's id and stack and the delivery is given up with the
// reference (the log shows it; an administrator can send it again), so it
// is neither retried in a loop nor in the way of the others.
func (d *Dispatcher) deliverSafely(ctx context.Context, c Claim) {
	err := job.Safely(func() error { d.deliver(ctx, c); return nil })
	if err == nil {
		return
	}
	ref := job.NewRef()
	job.LogError(ctx, d.log, "webhook: a delivery crashed; it is given up and the dispatcher goes on", err,
		"delivery_id", c.ID, "tenant_id", c.TenantID, "ref", ref)
	a := Attempt{At: d.now().UTC(), Worker: d.cfg.Worker, Error: "internal error (reference " + ref + "); tell the operator"}
	if _, _, err := d.store.MarkDeliveryFailed(ctx, c.ID, d.cfg.Worker, a, a.At, true); err != nil {
		d.log.ErrorContext(ctx, "webhook: failure not recorded", "delivery_id", c.ID, "err", err)
	}
}

// deliver makes one attempt and records it.
func (d *Dispatcher) deliver(ctx context.Context, c Claim) {
	start := d.now()
	a := Attempt{At: start.UTC(), Worker: d.cfg.Worker}
	var resp Response
	headers, err := Headers(c.Secret, c.MessageID, start, c.Payload)
	if err == nil {
		actx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
		resp, err = d.send.Send(actx, Request{URL: c.URL, Headers: headers, Body: c.Payload})
		cancel()
	}
	a.Duration = d.now().Sub(start)
	a.StatusCode, a.Response = resp.Status, resp.Body
	if err != nil {
		a.Error = err.Error() // no HTTP answer; an answer's status speaks for itself
	}
	if a.OK() {
		if err := d.store.MarkDelivered(ctx, c.ID, d.cfg.Worker, a); err != nil {
			d.log.ErrorContext(ctx, "webhook: delivered but not recorded; it is sent again after the lease", "delivery_id", c.ID, "err", err)
		}
		return
	}
	attempt := c.Attempts + 1
	delay, giveUp := NextDelay(d.cfg.Schedule, attempt, resp.RetryAfter)
	gone := resp.Status == 410
	if gone {
		giveUp = true
	}
	failingSince, first, err := d.store.MarkDeliveryFailed(ctx, c.ID, d.cfg.Worker, a, a.At.Add(delay), giveUp)
	if err != nil {
		d.log.ErrorContext(ctx, "webhook: failed attempt not recorded", "delivery_id", c.ID, "err", err)
		return
	}
	if !giveUp {
		return
	}
	d.log.WarnContext(ctx, "webhook: giving up on a delivery", "delivery_id", c.ID, "endpoint_id", c.EndpointID, "type", c.Type,
		"attempts", attempt, "status", resp.Status, "err", a.Error)
	// Persistent failure: nothing reached the endpoint since this
	// delivery's first attempt, through the whole schedule.
	if gone {
		d.disable(ctx, c, DisabledGone, a)
	} else if !failingSince.IsZero() && !failingSince.After(first) {
		d.disable(ctx, c, DisabledFailing, a)
	}
}

// disable switches an endpoint off and tells the tenant's administrators.
func (d *Dispatcher) disable(ctx context.Context, c Claim, reason DisabledReason, last Attempt) {
	tctx := identity.WithActor(ctx, identity.SystemFor(c.TenantID))
	ep, err := d.store.EndpointForNotice(ctx, c.TenantID, c.EndpointID)
	if err != nil {
		d.log.ErrorContext(ctx, "webhook: endpoint to disable not found", "endpoint_id", c.EndpointID, "err", err)
		return
	}
	var msgs []mail.Queued
	if d.notify != nil {
		if msgs, err = d.notify.EndpointDisabled(tctx, ep, reason, last); err != nil {
			d.log.ErrorContext(ctx, "webhook: notice to the administrators not built; disabling without it", "endpoint_id", c.EndpointID, "err", err)
			msgs = nil
		}
	}
	done, err := d.store.DisableEndpoint(ctx, c.TenantID, c.EndpointID, reason, msgs)
	if err != nil {
		d.log.ErrorContext(ctx, "webhook: endpoint not disabled", "endpoint_id", c.EndpointID, "err", err)
		return
	}
	if done {
		d.log.WarnContext(ctx, "webhook: endpoint disabled", "endpoint_id", c.EndpointID, "tenant_id", c.TenantID,
			"reason", reason, "url", ep.URL, "notices", len(msgs))
	}
}

// Run renders and delivers until ctx ends, then returns once the attempts
// in flight are recorded: at once, every Interval and when woken, batch
// after batch while batches come full. A failing or crashing pass is
// logged and the next one runs as planned. ctx carries the all-tenants
// system actor.
func (d *Dispatcher) Run(ctx context.Context) {
	job.EveryOr(ctx, d.log, "webhooks", 0, d.cfg.Interval, d.wake, func(ctx context.Context) error {
		for {
			_, rerr := d.RenderOnce(ctx)
			n, err := d.DeliverOnce(ctx)
			if err = errors.Join(rerr, err); err != nil || n < d.cfg.Batch || ctx.Err() != nil {
				if errors.Is(err, context.Canceled) {
					err = nil
				}
				return err
			}
		}
	})
}
