package store

import (
	"context"
	"slices"
	"sync"

	"mietwerk.dev/mietwerk/internal/cfgver"
	"mietwerk.dev/mietwerk/tenancy"
)

// The configuration cache (issue 19). What a booking reads of its
// tenant's setup — the tenant's settings, the station with its opening-hour
// exceptions, the categories, the tariffs, the enabled webhook endpoints —
// changes rarely and was read anew by every request (a dozen statements
// per booking). Each tenant has a configuration version
// (tenants.config_version) that the database's triggers bump in the same
// transaction as any change to those tables (migration 0025), whichever
// process or code makes it. A request reads the version once (the API key's
// lookup returns it with the key; cfgver keeps it for the request) and the
// cache serves what it read at that version; a request that sees a newer
// version reads again. Several processes share one database: each has its
// own cache, and each sees another's change with its next request.
//
// What is loaded into the cache is read outside any transaction, never
// through one: a transaction's own uncommitted change (bumping the version
// too) could otherwise be cached and outlive its rollback. Inside a
// transaction the cache is used only at the version the request read
// before it; on a miss the transaction reads for itself.
type configCache struct {
	mu      sync.Mutex
	tenants map[int64]*tenantConfig
}

// tenantConfig is what the cache holds of one tenant, all read at version.
type tenantConfig struct {
	version int64
	items   map[string]any
}

func newConfigCache() *configCache { return &configCache{tenants: map[int64]*tenantConfig{}} }

// get returns the item key of tenant read at version.
func (c *configCache) get(tenant, version int64, key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tc := c.tenants[tenant]
	if tc == nil || tc.version != version {
		return nil, false
	}
	v, ok := tc.items[key]
	return v, ok
}

// put keeps item key of tenant read at version (read after the version
// was): a newer version drops what older ones read, an older one is not
// kept.
func (c *configCache) put(tenant, version int64, key string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tc := c.tenants[tenant]
	switch {
	case tc == nil || tc.version < version:
		c.tenants[tenant] = &tenantConfig{version: version, items: map[string]any{key: v}}
	case tc.version == version:
		tc.items[key] = v
	}
}

// configVersion returns tenant's configuration version: the one the
// request read already (cfgver), else read through q (and kept for the
// request when it carries a cfgver.Memo).
func (s *Store) configVersion(ctx context.Context, q querier, tenant int64) (int64, error) {
	m := cfgver.From(ctx)
	if v, ok := m.Get(tenant); ok {
		return v, nil
	}
	var v int64
	if err := q.QueryRowContext(ctx, `SELECT config_version FROM tenants WHERE id = $1`, tenant).Scan(&v); err != nil {
		return 0, notFound(err, "tenant_not_found")
	}
	m.Set(tenant, v)
	return v, nil
}

// ConfigVersion returns the configuration version of the actor's tenant
// as the database has it now (for tests and diagnosis).
func (s *Store) ConfigVersion(ctx context.Context) (int64, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return 0, err
	}
	var v int64
	err = s.db.QueryRowContext(ctx, `SELECT config_version FROM tenants WHERE id = $1`, sc.tenant()).Scan(&v)
	return v, notFound(err, "tenant_not_found")
}

// cachedConfig returns item key of tenant from the cache at the current
// configuration version, else load's answer (read outside a transaction),
// which it keeps.
func cachedConfig[T any](ctx context.Context, s *Store, tenant int64, key string, load func() (T, error)) (T, error) {
	v, err := s.configVersion(ctx, s.db, tenant)
	if err != nil {
		var zero T
		return zero, err
	}
	if x, ok := s.config.get(tenant, v, key); ok {
		return x.(T), nil
	}
	x, err := load()
	if err == nil {
		s.config.put(tenant, v, key, x)
	}
	return x, err
}

// cachedSetup returns the tenant's cached setup at the version the
// request read before (no statement), if the cache has it: for use inside
// a transaction, which on a miss reads what it needs through itself (and
// keeps nothing).
func (s *Store) cachedSetup(ctx context.Context, tenant int64) (tenantSetup, bool) {
	if v, ok := cfgver.From(ctx).Get(tenant); ok {
		if x, ok := s.config.get(tenant, v, keyTenant); ok {
			return x.(tenantSetup), true
		}
	}
	return tenantSetup{}, false
}

// tenantSetup is the cached tenant: its settings and the webhook endpoints
// its events go to.
type tenantSetup struct {
	tenant tenancy.Tenant
	hooks  []hookTarget
}

// hookTarget is an enabled webhook endpoint as emitTx needs it.
type hookTarget struct {
	id     int64
	events string
	test   bool
}

const keyTenant = "tenant"

// setup returns the tenant's settings and webhook endpoints, cached.
func (s *Store) setup(ctx context.Context, tenant int64) (tenantSetup, error) {
	return cachedConfig(ctx, s, tenant, keyTenant, func() (tenantSetup, error) { return loadSetup(ctx, s.db, tenant) })
}

func loadSetup(ctx context.Context, q querier, tenant int64) (tenantSetup, error) {
	t, err := scanTenant(q.QueryRowContext(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = $1`, tenant))
	if err != nil {
		return tenantSetup{}, notFound(err, "tenant_not_found")
	}
	hooks, err := loadHookTargets(ctx, q, tenant)
	return tenantSetup{tenant: t, hooks: hooks}, err
}

func loadHookTargets(ctx context.Context, q querier, tenant int64) ([]hookTarget, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, events, test FROM webhook_endpoints WHERE tenant_id = $1 AND enabled`, tenant)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var eps []hookTarget
	for rows.Next() {
		var e hookTarget
		if err := rows.Scan(&e.id, &e.events, &e.test); err != nil {
			return nil, err
		}
		eps = append(eps, e)
	}
	return eps, rows.Err()
}

// cloneStation copies the slices of a cached station, so that a caller
// changing its copy does not change the cache's.
func cloneStation(st tenancy.Station) tenancy.Station {
	st.Exceptions = slices.Clone(st.Exceptions)
	return st
}
