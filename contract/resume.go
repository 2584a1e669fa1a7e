package contract

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/job"
)

// ResumeBilling finishes billing that a process left half done: a contract
// marked billed without a final invoice for longer than minAge (the process
// died between taking the money and issuing the invoice) is reopened and
// billed again. Billing is resumable — it charges only what the final order
// has not taken yet — so the customer is never charged twice. It acts on the
// actor's tenant and returns how many contracts it billed. Each contract is
// one job item (job.Runner.Item): one that fails or crashes is logged,
// marked for staff and left alone for a back-off, and the others go on.
func (s *Service) ResumeBilling(ctx context.Context, minAge time.Duration) (int, error) {
	list, _, err := s.d.Store.ListContracts(ctx, Filter{Status: StatusBilled, Limit: 500})
	if err != nil {
		return 0, err
	}
	held, err := s.jobs().Held(ctx, JobResumeBilling, job.KindContract)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, l := range list {
		c := l.Contract
		if s.d.Now().Sub(c.UpdatedAt) < minAge || held[c.ID] {
			continue
		}
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		_ = s.jobs().Item(ctx, JobResumeBilling, job.Subject{Kind: job.KindContract, ID: c.ID, TenantID: c.TenantID}, func() error {
			billed, err := s.resumeBilling(ctx, c)
			if billed {
				n++
			}
			return err
		})
	}
	return n, nil
}

// resumeBilling bills one contract again when it has no final invoice and
// reports whether it did.
func (s *Service) resumeBilling(ctx context.Context, c Contract) (bool, error) {
	m, err := s.money(ctx, c)
	if err != nil {
		return false, err
	}
	for _, d := range m.docs {
		if d.Kind == invoice.KindFinal {
			return false, nil
		}
	}
	s.d.Log.WarnContext(ctx, "contract: billing was left half done; billing again", "contract_id", c.ID)
	if err := s.d.Store.SetContractStatus(ctx, c.ID, []Status{StatusBilled}, StatusReturned); err != nil {
		return false, err
	}
	if _, err := s.Bill(ctx, c.ID); err != nil {
		s.d.Log.ErrorContext(ctx, "contract: resumed billing failed; staff can use 'bill now'", "contract_id", c.ID, "err", err)
		return false, nil
	}
	return true, nil
}

// JobResumeBilling names the job that resumes billing a process left half
// done (job.Runner, and the attention records staff see).
const JobResumeBilling = "contract.resume_billing"

// RunInterval is how often Run resumes half-done billing.
const RunInterval = time.Minute

// Run resumes billing that a crashed process left half done
// (ResumeBilling for contracts billed more than 5 minutes ago), for every
// tenant, at once and then every RunInterval until ctx ends. ctx carries
// the all-tenants system actor. A failing tenant or contract is logged
// (a contract also marked for staff) and the others go on.
func (s *Service) Run(ctx context.Context) {
	if s.d.Tenants == nil {
		return
	}
	job.Every(ctx, s.d.Log, "contract", 0, RunInterval, func(ctx context.Context) error {
		tenants, err := s.d.Tenants.ListTenants(ctx)
		if err != nil {
			return err
		}
		for _, tn := range tenants {
			tctx := identity.WithActor(ctx, identity.SystemFor(tn.ID))
			if err := job.Safely(func() error { _, err := s.ResumeBilling(tctx, 5*time.Minute); return err }); err != nil && ctx.Err() == nil {
				job.LogError(ctx, s.d.Log, "contract: resuming billing failed for a tenant; the others go on", err, "tenant_id", tn.ID)
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
