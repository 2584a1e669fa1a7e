package store

import "context"

// newestFirst counts the rows of from (a FROM clause with its joins) that
// match where and returns one page of them, highest id first, scanned
// with scan: limit rows (1 to 200, else 50) from offset.
func newestFirst[T any](ctx context.Context, s *Store, cols, from, idCol, where string, a args, limit, offset int,
	scan func(row interface{ Scan(...any) error }) (T, error)) ([]T, int, error) {
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) `+from+` WHERE `+where, a...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+cols+` `+from+` WHERE `+where+` ORDER BY `+idCol+` DESC LIMIT `+
		a.add(limit)+` OFFSET `+a.add(max(offset, 0)), a...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	return out, total, rows.Err()
}
