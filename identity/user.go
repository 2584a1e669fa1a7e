package identity

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
)

// User is a login of a tenant's staff.
type User struct {
	ID          int64
	TenantID    int64
	Email       string
	Name        string
	Role        Role
	Language    string // "de" or "en"
	StationIDs  []int64
	DisabledAt  *time.Time
	LastLoginAt *time.Time
	CreatedAt   time.Time
}

// Disabled reports whether the user may no longer sign in.
func (u User) Disabled() bool { return u.DisabledAt != nil }

// Actor returns the actor a signed-in user acts as.
func (u User) Actor() Actor {
	return Actor{Kind: ActorUser, TenantID: u.TenantID, UserID: u.ID, Name: u.Name, Role: u.Role, StationIDs: u.StationIDs}
}

// Normalize trims input and applies defaults.
func (u *User) Normalize() {
	u.Email = strings.TrimSpace(u.Email)
	u.Name = strings.TrimSpace(u.Name)
	if u.Language == "" {
		u.Language = "de"
	}
}

// Validate returns a KindInvalid error naming every invalid field.
func (u User) Validate() error {
	var f errs.Fields
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
		f.Add("email", "field.email_invalid")
	}
	if u.Name == "" {
		f.Add("name", "field.name_required")
	}
	if !u.Role.Valid() {
		f.Add("role", "user.role_choose")
	}
	if u.Role == RoleStation && len(u.StationIDs) == 0 {
		f.Add("stations", "user.stations_required")
	}
	if u.Language != "de" && u.Language != "en" {
		f.Add("language", "field.language_choose")
	}
	return f.Err()
}

// Session is a server-side admin session. The cookie holds a random token;
// only its SHA-256 (TokenHash) is stored.
type Session struct {
	TokenHash  string
	TenantID   int64
	UserID     int64
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute timeout
	UserAgent  string
	RemoteAddr string
}

// APIClient is a tenant's API key for its website integration. The key itself
// is shown once at creation; only its SHA-256 is stored.
type APIClient struct {
	ID       int64
	TenantID int64
	Name     string
	Prefix   string // first characters of the key, to recognise it in lists
	Scope    Scope  // what the key may do
	// Test keys work in test mode: their bookings are test bookings, paid
	// through a simulator, apart from the live ones (see Actor.Test).
	Test          bool
	RatePerMinute int
	CreatedAt     time.Time
	LastUsedAt    *time.Time
	RevokedAt     *time.Time
}

// Actor returns the actor an API request acts as.
func (c APIClient) Actor() Actor {
	return Actor{Kind: ActorAPI, TenantID: c.TenantID, APIClientID: c.ID, Scope: c.Scope, Test: c.Test, Name: "api:" + c.Name}
}

// Store is what identity needs from storage. User and API-client management
// needs an admin actor (errs.KindForbidden otherwise) and sees only the
// actor's tenant (errs.KindNotFound for others). The *ForAuth lookups run
// before anyone is signed in and are therefore unscoped.
type Store interface {
	CreateUser(ctx context.Context, u *User, passwordHash string) error
	ListUsers(ctx context.Context) ([]User, error)
	User(ctx context.Context, id int64) (User, error)
	UpdateUser(ctx context.Context, u *User) error
	SetPassword(ctx context.Context, userID int64, passwordHash string) error
	SetDisabled(ctx context.Context, userID int64, disabled bool) error

	// UserForAuth finds a user by e-mail (case-insensitive) with its password hash.
	UserForAuth(ctx context.Context, email string) (User, string, error)
	// UserByIDForAuth loads the user of a session.
	UserByIDForAuth(ctx context.Context, id int64) (User, error)
	MarkLogin(ctx context.Context, userID int64, at time.Time) error

	CreateSession(ctx context.Context, s Session) error
	SessionForAuth(ctx context.Context, tokenHash string) (Session, error)
	TouchSession(ctx context.Context, tokenHash string, at time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteUserSessions(ctx context.Context, userID int64) error

	// LoginFailures counts failed attempts in bucket since t and returns
	// the latest; RecordLoginFailure adds one to each bucket.
	LoginFailures(ctx context.Context, bucket string, since time.Time) (int, time.Time, error)
	RecordLoginFailure(ctx context.Context, buckets []string, at time.Time) error
	ClearLoginFailures(ctx context.Context, bucket string) error
	// LoginDevice returns the user a device token hash signed in as
	// (KindNotFound for none); SaveLoginDevice records a new token hash
	// for the user, replacing old (the device's previous token hash, "").
	LoginDevice(ctx context.Context, tokenHash string) (int64, error)
	SaveLoginDevice(ctx context.Context, tokenHash, old string, userID int64, at time.Time) error

	CreateAPIClient(ctx context.Context, c *APIClient, keyHash string) error
	ListAPIClients(ctx context.Context) ([]APIClient, error)
	RevokeAPIClient(ctx context.Context, id int64) error
	APIClientForAuth(ctx context.Context, keyHash string) (APIClient, error)
	// APIClientForAuthCounted is APIClientForAuth that also counts the
	// request against the client found, unless it is revoked, in the
	// current fixed rate window of length window (shared by every
	// process); an unknown or revoked key counts nothing.
	APIClientForAuthCounted(ctx context.Context, keyHash string, window time.Duration) (APIClient, RateCount, error)
	TouchAPIClient(ctx context.Context, id int64, at time.Time) error
}
