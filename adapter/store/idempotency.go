package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/idempotency"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
)

func apiClientScope(ctx context.Context) (scope, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return sc, err
	}
	return sc, apiClientOnly(sc)
}

// apiClientOnly refuses an actor that is not an API client (the only
// holders of idempotency keys).
func apiClientOnly(sc scope) error {
	if sc.a.Kind != identity.ActorAPI || sc.a.APIClientID == 0 {
		return errs.Forbidden("forbidden.api_clients_only")
	}
	return nil
}

// BeginIdempotent claims key for the actor's API client (see
// idempotency.Store) before a request is processed. It returns a stored answer to replay when the same request
// (method, path, requestHash) was already answered within idempotency.TTL;
// nil when the caller now holds the key and must process the request and
// then call FinishIdempotent (or ReleaseIdempotent); first when no row of
// the key existed (claimed by the one INSERT). A key held by a
// request still running (lock not expired) gives idempotency.ErrInProgress;
// a key used for another request gives idempotency.ErrMismatch. A lock that
// expired (its process died) is taken over.
func (s *Store) BeginIdempotent(ctx context.Context, key, method, path, requestHash string, lock time.Duration) (*idempotency.Response, bool, error) {
	sc, err := apiClientScope(ctx)
	if err != nil {
		return nil, false, err
	}
	now := s.Now()
	// a key not used before is claimed with one statement (issue 19)
	var claimed string
	err = s.scanWrite(ctx, true, []any{&claimed}, `INSERT INTO idempotency_keys (tenant_id, api_client_id, key, method, path,
		request_hash, state, locked_until, created_at) VALUES ($1,$2,$3,$4,$5,$6,'processing',$7,$8)
		ON CONFLICT (tenant_id, api_client_id, key) DO NOTHING RETURNING state`,
		sc.tenant(), sc.a.APIClientID, key, method, path, requestHash, ts(now.Add(lock)), ts(now))
	if err == nil {
		return nil, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, false, mapErr(err)
	}
	var replay *idempotency.Response
	// lazy: the claim needs no disk wait of its own — every effect of the
	// request outside the database (a payment sent) follows a durable
	// commit, which makes the claim durable with it
	err = s.writeLazy(ctx, func(tx *sql.Tx) error {
		replay = nil
		var st, hash, m, p string
		var code int
		var ctype string
		var body []byte
		var created, locked time.Time
		err := tx.QueryRowContext(ctx, `SELECT state, request_hash, method, path, status_code, content_type, response_body,
			created_at, locked_until FROM idempotency_keys WHERE tenant_id = $1 AND api_client_id = $2 AND key = $3`,
			sc.tenant(), sc.a.APIClientID, key).Scan(&st, &hash, &m, &p, &code, &ctype, &body, tsScan{&created}, tsScan{&locked})
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case now.Sub(created) >= idempotency.TTL:
			if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE tenant_id = $1 AND api_client_id = $2 AND key = $3`,
				sc.tenant(), sc.a.APIClientID, key); err != nil {
				return mapErr(err)
			}
		case hash != requestHash || m != method || p != path:
			return idempotency.ErrMismatch
		case st == "done":
			replay = &idempotency.Response{StatusCode: code, ContentType: ctype, Body: body}
			return nil
		case locked.After(now):
			return idempotency.ErrInProgress
		default:
			_, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET locked_until = $1 WHERE tenant_id = $2 AND api_client_id = $3
				AND key = $4`, ts(now.Add(lock)), sc.tenant(), sc.a.APIClientID, key)
			return mapErr(err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO idempotency_keys (tenant_id, api_client_id, key, method, path, request_hash,
			state, locked_until, created_at) VALUES ($1,$2,$3,$4,$5,$6,'processing',$7,$8)`,
			sc.tenant(), sc.a.APIClientID, key, method, path, requestHash, ts(now.Add(lock)), ts(now))
		if classify(err) == dbErrUnique {
			return idempotency.ErrInProgress // another process inserted it first
		}
		return mapErr(err)
	})
	return replay, false, err
}

// FinishIdempotent stores the answer for key, to be replayed until the key
// expires. An answer already stored is never replaced (a process that
// wakes up after another one took its key over and answered cannot change
// what the client was told).
func (s *Store) FinishIdempotent(ctx context.Context, key string, r idempotency.Response) error {
	sc, err := apiClientScope(ctx)
	if err != nil {
		return err
	}
	var a args
	_, err = s.execWrite(ctx, false, finishKeySQL(&a, sc, key, r), a...)
	return mapErr(err)
}

// finishKeySQL returns the statement that stores r as the answer for key
// of the API client in sc (see apiClientOnly), its values added to a:
// FinishIdempotent's, and the one an issue's transaction runs or chains
// with the invoice (invoice.IssueRequest.Answer, answerTx). Only a key
// still processing takes it: an answer stored is never replaced.
func finishKeySQL(a *args, sc scope, key string, r idempotency.Response) string {
	return `UPDATE idempotency_keys SET state = 'done', status_code = ` + a.add(r.StatusCode) + `, content_type = ` +
		a.add(r.ContentType) + `, response_body = ` + a.add(r.Body) + ` WHERE tenant_id = ` + a.add(sc.tenant()) +
		` AND api_client_id = ` + a.add(sc.a.APIClientID) + ` AND key = ` + a.add(key) + ` AND state = 'processing'`
}

// answerSQL renders the answer of req (invoice.IssueRequest.Answer) for
// iss and returns the statement storing it with its key, its values added
// to a; "" without an answer. Errors: the actor is no API client (only
// they hold keys), or Render's.
func answerSQL(a *args, sc scope, req invoice.IssueRequest, iss invoice.Issued) (string, error) {
	if req.Answer == nil {
		return "", nil
	}
	if err := apiClientOnly(sc); err != nil {
		return "", err
	}
	r, err := req.Answer.Render(iss)
	if err != nil {
		return "", fmt.Errorf("answer of invoice %s: %w", iss.Invoice.Number, err)
	}
	return finishKeySQL(a, sc, req.Answer.Key, r), nil
}

// answerTx stores the answer of req for iss inside tx (see answerSQL): one
// statement, on a database that does not chain it with the invoice.
func answerTx(ctx context.Context, tx *sql.Tx, sc scope, req invoice.IssueRequest, iss invoice.Issued) error {
	var a args
	q, err := answerSQL(&a, sc, req, iss)
	if err != nil || q == "" {
		return err
	}
	_, err = tx.ExecContext(ctx, q, a...)
	return mapErr(err)
}

// ReleaseIdempotent forgets key (a request that failed validation before
// processing began), so that a corrected request may use it.
func (s *Store) ReleaseIdempotent(ctx context.Context, key string) error {
	sc, err := apiClientScope(ctx)
	if err != nil {
		return err
	}
	_, err = s.execWrite(ctx, false, `DELETE FROM idempotency_keys WHERE tenant_id = $1 AND api_client_id = $2 AND key = $3
		AND state = 'processing'`, sc.tenant(), sc.a.APIClientID, key)
	return mapErr(err)
}

// UnlockIdempotent ends the lock on key (still processing, no answer), so
// that a retry of the same request is taken at once.
func (s *Store) UnlockIdempotent(ctx context.Context, key string) error {
	sc, err := apiClientScope(ctx)
	if err != nil {
		return err
	}
	_, err = s.execWrite(ctx, false, `UPDATE idempotency_keys SET locked_until = $1 WHERE tenant_id = $2 AND api_client_id = $3
		AND key = $4 AND state = 'processing'`, ts(s.Now()), sc.tenant(), sc.a.APIClientID, key)
	return mapErr(err)
}

// PurgeIdempotencyKeys deletes keys older than idempotency.TTL across all
// tenants (all-tenants system actor) and returns how many.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return 0, err
	}
	if !sc.a.AllTenants() {
		return 0, errs.Forbidden("forbidden.system_only")
	}
	res, err := s.execWrite(ctx, true, `DELETE FROM idempotency_keys WHERE created_at < $1`, ts(s.Now().Add(-idempotency.TTL)))
	if err != nil {
		return 0, mapErr(err)
	}
	return res.RowsAffected()
}
