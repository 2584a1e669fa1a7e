package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/webhook"
)

// HousekeepingInterval is how often RunHousekeeping purges.
const HousekeepingInterval = time.Hour

// RunHousekeeping purges expired idempotency keys, rate counters older
// than an hour and webhook events older than webhook.Retention (with their
// deliveries), and on SQLite drops the planner's per-value samples an
// ANALYZE by hand left (DropPlannerSamples), at once and then every HousekeepingInterval until ctx ends
// (ctx carries the all-tenants system actor). A failing pass is logged and
// the next one runs as planned.
func (s *Store) RunHousekeeping(ctx context.Context, log *slog.Logger) {
	job.Every(ctx, log, "housekeeping", 0, HousekeepingInterval, func(ctx context.Context) error {
		_, err1 := s.PurgeIdempotencyKeys(ctx)
		err2 := s.PurgeRateBuckets(ctx, s.now().Add(-time.Hour))
		_, err3 := s.PurgeWebhookEvents(ctx, s.now().Add(-webhook.Retention))
		err4 := s.DropPlannerSamples(ctx)
		return errors.Join(err1, err2, err3, err4)
	})
}
