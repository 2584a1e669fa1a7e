package store_test

import (
	"slices"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/fleet"
)

// TestEraseCustomerReportsPhotoFiles: an erasure deletes the damage photos
// of the customer's rentals older than the photo retention, and reports the
// storage keys of those kept in a folder so their files can be deleted too
// (photos in the database go with their rows; newer photos stay).
func TestEraseCustomerReportsPhotoFiles(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		f := newCtFixture(t, s, clk)
		c, err := s.StartContract(f.ctx, f.handover())
		mustNil(t, err)
		ds, err := s.ListDamages(f.ctx, c.VehicleID, false)
		mustNil(t, err)
		if len(ds) != 1 {
			t.Fatalf("%d damages after the handover", len(ds))
		}
		add := func(storage, key string) {
			t.Helper()
			p := fleet.PhotoData{Photo: fleet.Photo{DamageID: ds[0].ID, ContentType: "image/jpeg", SizeBytes: 3, SHA256: "abc",
				Storage: storage, StorageKey: key}}
			if storage == "db" {
				p.Data, p.Thumb = []byte{1, 2, 3}, []byte{1}
			}
			mustNil(t, s.AddPhoto(f.ctx, &p))
		}
		add("dir", "damage-old-1")
		add("db", "")
		clk.Advance(400 * 24 * 3600e9) // beyond the default 365 days of photo retention
		add("dir", "damage-new-1")
		_, err = s.DB().Exec(`UPDATE reservations SET status = 'completed' WHERE id = $1`, f.res.ID)
		mustNil(t, err)

		er, err := s.EraseCustomer(f.ctx, f.res.CustomerID)
		mustNil(t, err)
		if !slices.Equal(er.PhotoKeys, []string{"damage-old-1"}) {
			t.Fatalf("photo keys reported: %q", er.PhotoKeys)
		}
		var left []string
		rows, err := s.DB().Query(`SELECT storage || ':' || storage_key FROM damage_photos ORDER BY id`)
		mustNil(t, err)
		for rows.Next() {
			var k string
			mustNil(t, rows.Scan(&k))
			left = append(left, k)
		}
		rows.Close()
		if !slices.Equal(left, []string{"dir:damage-new-1"}) {
			t.Fatalf("photos left: %q", left)
		}
	})
}
