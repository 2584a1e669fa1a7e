package store

import (
	"context"
	"slices"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
)

const categoryCols = `id, tenant_id, code, name_de, name_en, description_de, description_en, seats, doors,
	transmission, fuel, example_model, image_url, sort_order, active`

func scanCategory(row interface{ Scan(...any) error }) (fleet.Category, error) {
	var c fleet.Category
	err := row.Scan(&c.ID, &c.TenantID, &c.Code, &c.NameDE, &c.NameEN, &c.DescriptionDE, &c.DescriptionEN,
		&c.Seats, &c.Doors, &c.Transmission, &c.Fuel, &c.ExampleModel, &c.ImageURL, &c.SortOrder, &c.Active)
	return c, err
}

// CreateCategory creates a vehicle category; admins only. Errors: KindInvalid, KindConflict.
func (s *Store) CreateCategory(ctx context.Context, c *fleet.Category) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	c.Code = strings.ToUpper(strings.TrimSpace(c.Code))
	var f errs.Fields
	if c.Code == "" {
		f.Add("code", "category.code_required")
	}
	if c.NameDE == "" {
		f.Add("name_de", "category.name_de_required")
	}
	if c.Transmission != "manual" && c.Transmission != "automatic" {
		f.Add("transmission", "category.transmission_choose")
	}
	if err := f.Err(); err != nil {
		return err
	}
	c.TenantID = sc.tenant()
	return mapErr(s.scanWrite(ctx, false, []any{&c.ID}, `INSERT INTO vehicle_categories (tenant_id, code, name_de, name_en,
		description_de, description_en, seats, doors, transmission, fuel, example_model, image_url, sort_order, active)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING id`, c.TenantID, c.Code, c.NameDE, c.NameEN,
		c.DescriptionDE, c.DescriptionEN, c.Seats, c.Doors, c.Transmission, c.Fuel, c.ExampleModel, c.ImageURL,
		c.SortOrder, c.Active))
}

// ListCategories returns the categories of the actor's tenant in display
// order (from the configuration cache).
func (s *Store) ListCategories(ctx context.Context) ([]fleet.Category, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	cats, err := cachedConfig(ctx, s, sc.tenant(), "categories", func() ([]fleet.Category, error) {
		return s.loadCategories(ctx, sc.tenant())
	})
	return slices.Clone(cats), err
}

func (s *Store) loadCategories(ctx context.Context, tenant int64) ([]fleet.Category, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+categoryCols+` FROM vehicle_categories WHERE tenant_id = $1
		ORDER BY sort_order, code`, tenant)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.Category
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CategoryByCode returns the category with code. Errors: KindNotFound.
func (s *Store) CategoryByCode(ctx context.Context, code string) (fleet.Category, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return fleet.Category{}, err
	}
	c, err := scanCategory(s.db.QueryRowContext(ctx, `SELECT `+categoryCols+` FROM vehicle_categories
		WHERE tenant_id = $1 AND code = $2`, sc.tenant(), strings.ToUpper(code)))
	return c, notFound(err, "vehicle_category_not_found")
}
