// Package audit describes the audit log: who changed what, when, from which
// value to which. Entries are written by the store in the same transaction
// as the change they describe.
package audit

import "time"

// Entry is one logged change.
type Entry struct {
	ID        int64
	TenantID  int64
	StationID int64
	At        time.Time
	ActorKind string // "user", "api" or "system"
	ActorID   int64
	ActorName string
	Entity    string // "customer", "reservation", "contract", "vehicle", ...
	EntityID  int64
	Action    string // "create", "update", "cancel", ...
	Before    string // JSON
	After     string // JSON
	RequestID string
}
