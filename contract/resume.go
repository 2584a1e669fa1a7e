package contract

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/job"
)

// ResumeBilling finishes what a stopped process (or a gateway fault) left
// of the handover, return and billing of the actor's tenant's contracts,
// for contracts unchanged for minAge: a handover (of the last day) or a
// return whose protocol was not sent gets it; a returned contract is
// billed; a billing run that stopped half way (billed without BilledAt) is
// taken over and continued from its last recorded step (see Bill: money
// already taken is never taken again, the final invoice never issued
// twice). A billing stopped by a payment whose outcome is still unknown (or
// that could not reach the gateway) is tried again on a later pass. Each
// contract is one job item (job.Runner.Item): one that fails or crashes is
// logged, marked for staff and left alone for a back-off, and the others go
// on. It returns how many contracts it brought to billed or payment_open.
func (s *Service) ResumeBilling(ctx context.Context, minAge time.Duration) (int, error) {
	before := s.d.Now().Add(-minAge)
	// a handover whose protocol a stopped process did not send (within a
	// day: the customer gets no protocol of an old handover out of the blue)
	if cs, err := s.d.Store.ContractsWithoutDocument(ctx, DocHandover, before.Add(-24*time.Hour), before, 100); err != nil {
		s.d.Log.ErrorContext(ctx, "contract: handovers without protocol not read", "err", err)
	} else {
		for _, c := range cs {
			s.d.Log.WarnContext(ctx, "contract: handover protocol was not sent; sending it now", "contract_id", c.ID)
			if err := s.sendProtocol(ctx, c, KindHandover); err != nil {
				s.d.Log.ErrorContext(ctx, "contract: handover protocol not sent; tried again later", "contract_id", c.ID, "err", err)
			}
		}
	}
	list, err := s.d.Store.UnfinishedBillings(ctx, before, 100)
	if err != nil {
		return 0, err
	}
	held, err := s.jobs().Held(ctx, JobResumeBilling, job.KindContract)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range list {
		if held[c.ID] {
			continue
		}
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		_ = s.jobs().Item(ctx, JobResumeBilling, job.Subject{Kind: job.KindContract, ID: c.ID, TenantID: c.TenantID}, func() error {
			billed, err := s.resumeBilling(ctx, c, before)
			if billed {
				n++
			}
			return err
		})
	}
	return n, nil
}

// resumeBilling sends a missing return protocol and bills (or continues
// billing) one contract; it reports whether the contract is now billed or
// payment_open. Billing that waits for a payment's outcome or the gateway
// is no error: it is tried again on a later pass.
func (s *Service) resumeBilling(ctx context.Context, c Contract, before time.Time) (bool, error) {
	if err := s.ensureReturnProtocol(ctx, c); err != nil {
		return false, err
	}
	var err error
	if c.Status == StatusBilled {
		if err := s.d.Store.ReclaimBilling(ctx, c.ID, before); err != nil {
			return false, nil // finished or taken over meanwhile
		}
		s.d.Log.WarnContext(ctx, "contract: billing was left half done; continuing", "contract_id", c.ID)
		_, err = s.billClaimed(ctx, c.ID)
	} else {
		_, err = s.Bill(ctx, c.ID)
	}
	if errs.Is(err, errs.KindConflict) || errs.Is(err, errs.KindUnavailable) {
		s.d.Log.InfoContext(ctx, "contract: billing waits (payment outcome open or gateway unreachable); tried again later", "contract_id", c.ID, "err", err)
		return false, nil
	}
	return err == nil, err
}

// ensureReturnProtocol sends the return protocol of a returned contract
// when it was not stored yet (the process stopped between recording the
// return and sending it).
func (s *Service) ensureReturnProtocol(ctx context.Context, c Contract) error {
	docs, err := s.d.Store.ContractDocuments(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if d.Kind == DocReturn {
			return nil
		}
	}
	s.d.Log.WarnContext(ctx, "contract: return protocol was not sent; sending it now", "contract_id", c.ID)
	return s.sendProtocol(ctx, c, KindReturn)
}

// JobResumeBilling names the job that resumes billing a process left half
// done (job.Runner, and the attention records staff see).
const JobResumeBilling = "contract.resume_billing"

// Run resumes returns and billing that a stopped process or a gateway fault
// left half done (ResumeBilling for contracts unchanged for minAge) and
// releases starts on a red plate nobody handed over
// (ReleaseAbandonedStarts), for every tenant, at once and then every interval until ctx ends. ctx carries
// the all-tenants system actor. A failing tenant or contract is logged (a
// contract also marked for staff) and the others go on.
func (s *Service) Run(ctx context.Context, interval, minAge time.Duration) {
	if s.d.Tenants == nil {
		return
	}
	job.Every(ctx, s.d.Log, "contract", 0, interval, func(ctx context.Context) error {
		tenants, err := s.d.Tenants.ListTenants(ctx)
		if err != nil {
			return err
		}
		for _, tn := range tenants {
			tctx := identity.WithActor(ctx, identity.SystemFor(tn.ID))
			if err := job.Safely(func() error { _, err := s.ResumeBilling(tctx, minAge); return err }); err != nil && ctx.Err() == nil {
				job.LogError(ctx, s.d.Log, "contract: resuming billing failed for a tenant; the others go on", err, "tenant_id", tn.ID)
			}
			if err := job.Safely(func() error { _, err := s.ReleaseAbandonedStarts(tctx); return err }); err != nil && ctx.Err() == nil {
				job.LogError(ctx, s.d.Log, "contract: releasing abandoned starts failed for a tenant; the others go on", err, "tenant_id", tn.ID)
			}
		}
		return nil
	})
}

// jobs is the runner of the service's job items.
func (s *Service) jobs() *job.Runner {
	if s.d.Jobs != nil {
		return s.d.Jobs
	}
	return &job.Runner{Log: s.d.Log, Now: s.d.Now}
}
