package store

import (
	"context"
	"database/sql"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/cfgver"
)

const apiClientCols = `id, tenant_id, name, prefix, scope, rate_per_minute, created_at, last_used_at, revoked_at, test`

func scanAPIClient(row interface{ Scan(...any) error }) (identity.APIClient, error) {
	var c identity.APIClient
	err := row.Scan(&c.ID, &c.TenantID, &c.Name, &c.Prefix, &c.Scope, &c.RatePerMinute, tsScan{&c.CreatedAt},
		tspScan{&c.LastUsedAt}, tspScan{&c.RevokedAt}, &c.Test)
	return c, err
}

// CreateAPIClient stores an API client with the hash of its key; admins only.
func (s *Store) CreateAPIClient(ctx context.Context, c *identity.APIClient, keyHash string) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	if !c.Scope.Valid() {
		var f errs.Fields
		f.Add("scope", "api_key.scope_choose")
		return f.Err()
	}
	c.TenantID, c.CreatedAt = sc.tenant(), s.Now()
	return mapErr(s.scanWrite(ctx, false, []any{&c.ID}, `INSERT INTO api_clients (tenant_id, name, prefix, scope, key_hash,
		rate_per_minute, created_at, test) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`, c.TenantID, c.Name, c.Prefix, c.Scope,
		keyHash, c.RatePerMinute, ts(c.CreatedAt), c.Test))
}

// ListAPIClients returns the API clients of the actor's tenant; admins only.
func (s *Store) ListAPIClients(ctx context.Context) ([]identity.APIClient, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.requireAdmin(); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+apiClientCols+` FROM api_clients WHERE tenant_id = $1 ORDER BY id`, sc.tenant())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.APIClient
	for rows.Next() {
		c, err := scanAPIClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RevokeAPIClient revokes a key of the actor's tenant for good; admins only.
func (s *Store) RevokeAPIClient(ctx context.Context, id int64) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	res, err := s.execWrite(ctx, false, `UPDATE api_clients SET revoked_at = COALESCE(revoked_at, $1)
		WHERE tenant_id = $2 AND id = $3`, ts(s.Now()), sc.tenant(), id)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.NotFound("api_key_not_found")
	}
	return nil
}

// APIClientForAuth finds an API client by key hash (unscoped: used to
// authenticate). The same statement reads the configuration version of the
// client's tenant, which the request keeps (cfgver) for the configuration
// cache: the one statement of a request that keeps the cache current.
func (s *Store) APIClientForAuth(ctx context.Context, keyHash string) (identity.APIClient, error) {
	var c identity.APIClient
	var version int64
	err := s.db.QueryRowContext(ctx, `SELECT `+authClientCols+` FROM api_clients c JOIN tenants t ON t.id = c.tenant_id
		WHERE c.key_hash = $1`, keyHash).Scan(authClientDest(&c, &version)...)
	if err != nil {
		return c, notFound(err, "api_key_not_found")
	}
	cfgver.From(ctx).Set(c.TenantID, version)
	return c, nil
}

// authClientCols are the columns APIClientForAuth reads (c: the client,
// t: its tenant), scanned into authClientDest.
const authClientCols = `c.id, c.tenant_id, c.name, c.prefix, c.scope, c.rate_per_minute, c.created_at,
	c.last_used_at, c.revoked_at, c.test, t.config_version`

func authClientDest(c *identity.APIClient, version *int64) []any {
	return []any{&c.ID, &c.TenantID, &c.Name, &c.Prefix, &c.Scope, &c.RatePerMinute,
		tsScan{&c.CreatedAt}, tspScan{&c.LastUsedAt}, tspScan{&c.RevokedAt}, &c.Test, version}
}

// APIClientForAuthCounted is APIClientForAuth that also counts the request
// against the client it finds, when that one is not revoked, in its rate
// window (as TakeRate: fixed windows of window since the Unix epoch, the
// counter shared by every process). An unknown or revoked key counts
// nothing (a zero RateCount). On PostgreSQL the lookup and the count are
// one statement, committed lazily (a count lost in a power cut does not
// matter); on SQLite the count follows the lookup.
func (s *Store) APIClientForAuthCounted(ctx context.Context, keyHash string, window time.Duration) (identity.APIClient, identity.RateCount, error) {
	if window <= 0 {
		window = time.Minute
	}
	now := s.Now()
	start := now.Truncate(window)
	rc := identity.RateCount{RetryAfter: start.Add(window).Sub(now)}
	if !s.dialect.chainsWrites() {
		c, err := s.APIClientForAuth(ctx, keyHash)
		if err != nil || c.RevokedAt != nil {
			return c, identity.RateCount{}, err
		}
		rc.Count, err = s.countRate(ctx, rateBucket(c.TenantID, c.ID), start)
		return c, rc, err
	}
	var c identity.APIClient
	var version int64
	var n sql.NullInt64
	err := s.scanWrite(ctx, true, append(authClientDest(&c, &version), &n), `WITH c AS (SELECT `+authClientCols+`
		FROM api_clients c JOIN tenants t ON t.id = c.tenant_id WHERE c.key_hash = $1),
		n AS (INSERT INTO rate_buckets (bucket, window_start, count) SELECT 'api:' || c.tenant_id || ':' || c.id, $2, 1
			FROM c WHERE c.revoked_at IS NULL
			ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_buckets.count + 1 RETURNING count)
		SELECT c.*, (SELECT count FROM n) FROM c`, keyHash, ts(start))
	if err != nil {
		return c, identity.RateCount{}, notFound(err, "api_key_not_found")
	}
	cfgver.From(ctx).Set(c.TenantID, version)
	if !n.Valid {
		return c, identity.RateCount{}, nil
	}
	rc.Count = int(n.Int64)
	return c, rc, nil
}

// TouchAPIClient records when a key was last used.
func (s *Store) TouchAPIClient(ctx context.Context, id int64, at time.Time) error {
	_, err := s.execWrite(ctx, true, `UPDATE api_clients SET last_used_at = $1 WHERE id = $2`, ts(at), id)
	return mapErr(err)
}
