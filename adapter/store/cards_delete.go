package store

import (
	"context"
	"database/sql"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/payment"
)

// ClaimCardDeletions returns up to limit stored cards deleted here
// (deleted_at) whose token the gateway still holds, of customerID (0: of
// every customer), and claims each until now+lease so that another process
// leaves it alone meanwhile; every claim counts an attempt. Cards claimed by
// another process within its lease are skipped. Scope: the actor's tenant,
// or every tenant for the all-tenants system actor.
func (s *Store) ClaimCardDeletions(ctx context.Context, customerID int64, now time.Time, lease time.Duration, limit int) ([]payment.StoredCard, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	var out []payment.StoredCard
	err = s.write(ctx, func(tx *sql.Tx) error {
		out = nil
		a := args{ts(now), limit}
		where := `deleted_at IS NOT NULL AND gateway_deleted_at IS NULL AND token NOT LIKE 'purged-%'
			AND (gateway_delete_claimed_until IS NULL OR gateway_delete_claimed_until <= $1)`
		if !sc.a.AllTenants() {
			where += ` AND tenant_id = ` + a.add(sc.tenant())
		}
		if customerID != 0 {
			where += ` AND customer_id = ` + a.add(customerID)
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+cardCols+` FROM payment_cards WHERE `+where+` ORDER BY id LIMIT $2`+
			s.dialect.skipLocked(), a...)
		if err != nil {
			return err
		}
		if err := eachRow(rows, func() error {
			c, err := scanCard(rows)
			out = append(out, c)
			return err
		}); err != nil {
			return err
		}
		for _, c := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE payment_cards SET gateway_delete_claimed_until = $1,
				gateway_delete_attempts = gateway_delete_attempts + 1 WHERE tenant_id = $2 AND id = $3`,
				ts(now.Add(lease)), c.TenantID, c.ID); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
	return out, err
}

// FinishCardDeletion records the outcome of deleting card id at the
// gateway: done sets gateway_deleted_at; otherwise errMsg is kept for staff.
// Either way the claim ends. Errors: KindNotFound.
func (s *Store) FinishCardDeletion(ctx context.Context, id int64, done bool, at time.Time, errMsg string) error {
	sc, err := scopeOf(ctx)
	if err != nil {
		return err
	}
	a := args{}
	set := `gateway_delete_claimed_until = NULL, gateway_delete_error = ` + a.add(truncateText(errMsg, 500))
	if done {
		set += `, gateway_deleted_at = ` + a.add(ts(at))
	}
	where := `id = ` + a.add(id) + ` AND deleted_at IS NOT NULL`
	if !sc.a.AllTenants() {
		where += ` AND tenant_id = ` + a.add(sc.tenant())
	}
	res, err := s.execWrite(ctx, false, `UPDATE payment_cards SET `+set+` WHERE `+where, a...)
	if err != nil {
		return mapErr(err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return errs.NotFound("stored_card_not_found")
	}
	return nil
}
