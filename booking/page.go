package booking

import (
	"context"
	"time"
)

// CheckinDriver is a driver with their driving licence as the customer
// entered them on the booking page before pickup (validated like a
// contract's drivers; staff check the licence at the counter).
type CheckinDriver struct {
	Role            string `json:"role"` // "main" or "additional"
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	BirthDate       string `json:"birth_date"` // YYYY-MM-DD
	LicenceNumber   string `json:"licence_number"`
	LicenceClass    string `json:"licence_class"`
	LicenceIssuedOn string `json:"licence_issued_on"` // YYYY-MM-DD
	LicenceCountry  string `json:"licence_country"`   // ISO 3166-1 alpha-2
}

// PreCheckin is what the customer entered before pickup, and when.
type PreCheckin struct {
	At      time.Time
	Drivers []CheckinDriver
}

// PageStore is what the customer's booking page needs from storage beyond
// Store.
type PageStore interface {
	// ReservationByPageToken finds the reservation whose page token has
	// the hash (identity.HashToken), of any tenant: the page has no
	// signed-in actor, the token is its authority. Errors: KindNotFound.
	ReservationByPageToken(ctx context.Context, hash string) (Reservation, error)
	// SavePreCheckin replaces the pre-check-in of a reservation (audited).
	// Errors: KindNotFound.
	SavePreCheckin(ctx context.Context, reservationID int64, pc PreCheckin) error
	// PreCheckin returns the pre-check-in of a reservation; ok false: none.
	PreCheckin(ctx context.Context, reservationID int64) (pc PreCheckin, ok bool, err error)
}

// TestData counts a tenant's test-mode data.
type TestData struct {
	Bookings, Customers, Invoices, Payments int64
}

// TestDataStore keeps and wipes a tenant's test-mode data (administrators).
type TestDataStore interface {
	TestData(ctx context.Context) (TestData, error)
	// WipeTestData deletes every test booking with its customers,
	// payments, documents, e-mails and webhook events, and returns what it
	// deleted. Live data is not touched.
	WipeTestData(ctx context.Context) (TestData, error)
}
