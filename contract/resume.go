package contract

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/invoice"
)

// ResumeBilling finishes billing that a process left half done: a contract
// marked billed without a final invoice for longer than minAge (the process
// died between taking the money and issuing the invoice) is reopened and
// billed again. Billing is resumable — it charges only what the final order
// has not taken yet — so the customer is never charged twice. It acts on the
// actor's tenant and returns how many contracts it billed.
func (s *Service) ResumeBilling(ctx context.Context, minAge time.Duration) (int, error) {
	list, _, err := s.d.Store.ListContracts(ctx, Filter{Status: StatusBilled, Limit: 500})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, l := range list {
		c := l.Contract
		if s.d.Now().Sub(c.UpdatedAt) < minAge {
			continue
		}
		m, err := s.money(ctx, c)
		if err != nil {
			return n, err
		}
		final := false
		for _, d := range m.docs {
			final = final || d.Kind == invoice.KindFinal
		}
		if final {
			continue
		}
		s.d.Log.WarnContext(ctx, "contract: billing was left half done; billing again", "contract_id", c.ID)
		if err := s.d.Store.SetContractStatus(ctx, c.ID, []Status{StatusBilled}, StatusReturned); err != nil {
			return n, err
		}
		if _, err := s.Bill(ctx, c.ID); err != nil {
			s.d.Log.ErrorContext(ctx, "contract: resumed billing failed; staff can use 'bill now'", "contract_id", c.ID, "err", err)
			continue
		}
		n++
	}
	return n, nil
}
