package store_test

import (
	"context"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/fleet"
)

// TestRetentionRentalDamagePhotos: a photo of a damage recorded during a
// rental is evidence for what that contract bills, so the retention job
// keeps it — even long after the repair — until the contract is billed (or
// closed) and ended longer ago than the photo retention; then it goes.
func TestRetentionRentalDamagePhotos(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		f := newCtFixture(t, s, clk)
		c, err := s.StartContract(f.ctx, f.handover())
		mustNil(t, err)
		dms, err := s.ListDamages(f.ctx, c.VehicleID, true)
		mustNil(t, err)
		if len(dms) != 1 || dms[0].ContractID != c.ID {
			t.Fatalf("damages %+v", dms)
		}
		ps := &fleet.PhotoService{Damages: s}
		photo, err := ps.Add(f.ctx, dms[0].ID, pngPhoto(t))
		mustNil(t, err)
		clk.Advance(48 * time.Hour)
		_, err = s.RecordReturn(f.ctx, &contract.Return{ContractID: c.ID, Protocol: contract.Protocol{OdometerKM: 1300, FuelEighths: 8, Cleanliness: "clean"}})
		mustNil(t, err)
		mustNil(t, s.MarkRepaired(f.ctx, dms[0].ID, clk.Now(), "lackiert"))
		job := &customer.Retention{Store: s, Now: clk.Now}
		photos := func() int {
			return count(t, s, `SELECT count(*) FROM damage_photos WHERE id = $1`, photo.ID)
		}

		// two years on: repaired long ago, but the contract is still unbilled
		clk.Advance(2 * 365 * 24 * time.Hour)
		run, err := job.RunOnce(context.Background())
		mustNil(t, err)
		if run.PhotosDeleted != 0 || photos() != 1 {
			t.Fatalf("photo of an unbilled contract's damage deleted: %+v", run)
		}
		// billed now: the retention counts from the contract's end, which
		// is long past, so the photo goes
		mustNil(t, s.SetContractStatus(f.ctx, c.ID, []contract.Status{contract.StatusReturned}, contract.StatusBilled))
		run, err = job.RunOnce(context.Background())
		mustNil(t, err)
		if run.PhotosDeleted != 1 || photos() != 0 {
			t.Fatalf("photo kept after billing + retention: %+v, rows %d", run, photos())
		}
	})
}

// TestRetentionRentalDamagePhotosRecentContract: a billed contract that
// ended within the photo retention keeps its damage photos although the
// damage was repaired long before.
func TestRetentionRentalDamagePhotosRecentContract(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		f := newCtFixture(t, s, clk)
		c, err := s.StartContract(f.ctx, f.handover())
		mustNil(t, err)
		dms, err := s.ListDamages(f.ctx, c.VehicleID, true)
		mustNil(t, err)
		photo, err := (&fleet.PhotoService{Damages: s}).Add(f.ctx, dms[0].ID, pngPhoto(t))
		mustNil(t, err)
		// repaired during the rental (the photo is old), the rental runs long
		mustNil(t, s.MarkRepaired(f.ctx, dms[0].ID, clk.Now().Add(time.Hour), "sofort"))
		clk.Advance(400 * 24 * time.Hour)
		_, err = s.RecordReturn(f.ctx, &contract.Return{ContractID: c.ID, Protocol: contract.Protocol{OdometerKM: 9000, FuelEighths: 8, Cleanliness: "clean"}})
		mustNil(t, err)
		mustNil(t, s.SetContractStatus(f.ctx, c.ID, []contract.Status{contract.StatusReturned}, contract.StatusBilled))
		clk.Advance(24 * time.Hour)
		run, err := (&customer.Retention{Store: s, Now: clk.Now}).RunOnce(context.Background())
		mustNil(t, err)
		if run.PhotosDeleted != 0 || count(t, s, `SELECT count(*) FROM damage_photos WHERE id = $1`, photo.ID) != 1 {
			t.Fatalf("photo of a contract ended yesterday deleted: %+v", run)
		}
	})
}
