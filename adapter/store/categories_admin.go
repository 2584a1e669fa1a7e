package store

import (
	"context"
	"database/sql"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
)

// Category returns one category of the actor's tenant. Errors: KindNotFound.
func (s *Store) Category(ctx context.Context, id int64) (fleet.Category, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return fleet.Category{}, err
	}
	c, err := scanCategory(s.db.QueryRowContext(ctx, `SELECT `+categoryCols+` FROM vehicle_categories
		WHERE tenant_id = $1 AND id = $2`, sc.tenant(), id))
	return c, notFound(err, "vehicle_category_not_found")
}

// UpdateCategory validates and saves a category; admins only. Errors:
// KindInvalid (also for a code another category has), KindNotFound,
// KindForbidden.
func (s *Store) UpdateCategory(ctx context.Context, c *fleet.Category) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	if err := c.Check(); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := scanCategory(tx.QueryRowContext(ctx, `SELECT `+categoryCols+` FROM vehicle_categories
			WHERE tenant_id = $1 AND id = $2`, sc.tenant(), c.ID))
		if err != nil {
			return notFound(err, "vehicle_category_not_found")
		}
		_, err = tx.ExecContext(ctx, `UPDATE vehicle_categories SET code=$1, name_de=$2, name_en=$3, description_de=$4,
			description_en=$5, seats=$6, doors=$7, transmission=$8, fuel=$9, example_model=$10, sort_order=$11, active=$12
			WHERE tenant_id=$13 AND id=$14`, c.Code, c.NameDE, c.NameEN, c.DescriptionDE, c.DescriptionEN, c.Seats,
			c.Doors, c.Transmission, c.Fuel, c.ExampleModel, c.SortOrder, c.Active, sc.tenant(), c.ID)
		if classify(err) == dbErrUnique {
			return errs.Invalid("error.fields_invalid", errs.Field("code", "category.code_taken"))
		}
		if err != nil {
			return mapErr(err)
		}
		c.TenantID, c.ImageURL = sc.tenant(), old.ImageURL
		return s.appendAudit(ctx, tx, sc, 0, "category", c.ID, "update", old, c)
	})
}
