package store

import (
	"context"
	"strings"

	"mietwerk.dev/mietwerk/contract"
)

// OpenContractsForWorkshopOrder returns the open contracts (cars out) the
// actor may see whose booking carries workshop order ref (compared after
// trimming, case-insensitively), oldest first.
func (s *Store) OpenContractsForWorkshopOrder(ctx context.Context, ref string) ([]contract.Contract, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, nil
	}
	a := args{sc.tenant(), strings.ToLower(ref), string(contract.StatusOpen)}
	ids, err := queryIDs(ctx, s.db, `SELECT c.id FROM contracts c JOIN reservations r ON r.tenant_id = c.tenant_id AND r.id = c.reservation_id
		WHERE c.tenant_id = $1 AND lower(r.workshop_ref) = $2 AND c.status = $3 AND `+contractScope(sc, &a)+` ORDER BY c.starts_at, c.id`, a...)
	if err != nil {
		return nil, err
	}
	out := make([]contract.Contract, 0, len(ids))
	for _, id := range ids {
		c, err := s.Contract(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
