package pricing

import "context"

// Admin changes tariffs (administrators only).
type Admin interface {
	// UpdateTariff validates and saves t with its categories, validity,
	// prices and day counting. Errors: KindInvalid with field errors (also
	// for a code used by another tariff or a category of another tenant),
	// KindNotFound, KindForbidden.
	UpdateTariff(ctx context.Context, t *Tariff) error
}
