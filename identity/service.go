package identity

import (
	"context"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Config tunes sign-in and sessions.
type Config struct {
	IdleTimeout     time.Duration // session ends after this long without a request; default 30 min
	AbsoluteTimeout time.Duration // session ends this long after sign-in; default 12 h
	MaxFailures     int           // failed sign-ins per e-mail or address in Window before refusing; default 5 per e-mail, 4× per address
	Window          time.Duration // default 15 min
}

func (c *Config) defaults() {
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 30 * time.Minute
	}
	if c.AbsoluteTimeout == 0 {
		c.AbsoluteTimeout = 12 * time.Hour
	}
	if c.MaxFailures == 0 {
		c.MaxFailures = 5
	}
	if c.Window == 0 {
		c.Window = 15 * time.Minute
	}
}

// Service signs staff in and out, checks sessions and API keys.
type Service struct {
	store Store
	cfg   Config
	now   func() time.Time
}

// NewService returns a Service over store with clock now.
func NewService(store Store, cfg Config, now func() time.Time) *Service {
	cfg.defaults()
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, cfg: cfg, now: now}
}

// Config returns the effective configuration.
func (s *Service) Config() Config { return s.cfg }

// ErrBadCredentials is the one answer to every failed sign-in, whether the
// e-mail is unknown, the password wrong or the user disabled.
var ErrBadCredentials = errs.Unauthorized("e-mail or password is wrong").WithCode("bad_credentials")

// ErrTooManyAttempts is returned while sign-in is throttled.
var ErrTooManyAttempts = errs.New(errs.KindRateLimited, "too_many_attempts")

// Login checks e-mail and password and opens a session. It returns the cookie
// token (never stored) and the session. Errors: ErrBadCredentials,
// ErrTooManyAttempts.
func (s *Service) Login(ctx context.Context, email, password, remoteAddr, userAgent string) (string, Session, User, error) {
	now := s.now().UTC()
	email = strings.ToLower(strings.TrimSpace(email))
	emailBucket, ipBucket := "email:"+email, "ip:"+remoteAddr
	since := now.Add(-s.cfg.Window)
	n, err := s.store.LoginAttempts(ctx, emailBucket, since)
	if err != nil {
		return "", Session{}, User{}, err
	}
	m, err := s.store.LoginAttempts(ctx, ipBucket, since)
	if err != nil {
		return "", Session{}, User{}, err
	}
	if n >= s.cfg.MaxFailures || m >= 4*s.cfg.MaxFailures {
		return "", Session{}, User{}, ErrTooManyAttempts
	}
	u, hash, err := s.store.UserForAuth(ctx, email)
	if err != nil && !errs.Is(err, errs.KindNotFound) {
		return "", Session{}, User{}, err
	}
	if err != nil {
		hash = dummyHash
	}
	ok := CheckPassword(hash, password) && err == nil && !u.Disabled()
	if !ok {
		if err := s.store.RecordLoginFailure(ctx, []string{emailBucket, ipBucket}, now); err != nil {
			return "", Session{}, User{}, err
		}
		return "", Session{}, User{}, ErrBadCredentials
	}
	if err := s.store.ClearLoginFailures(ctx, emailBucket); err != nil {
		return "", Session{}, User{}, err
	}
	tok := NewToken()
	sess := Session{
		TokenHash: HashToken(tok), TenantID: u.TenantID, UserID: u.ID, CSRFToken: NewToken(),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.AbsoluteTimeout),
		UserAgent: truncate(userAgent, 300), RemoteAddr: truncate(remoteAddr, 100),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", Session{}, User{}, err
	}
	if err := s.store.MarkLogin(ctx, u.ID, now); err != nil {
		return "", Session{}, User{}, err
	}
	return tok, sess, u, nil
}

// ErrSessionExpired is returned for unknown, idle or expired sessions.
var ErrSessionExpired = errs.Unauthorized("your session has ended; please sign in again").WithCode("session_expired")

// Authenticate resolves a session cookie token to its session and user,
// enforcing the idle and absolute timeouts and refusing disabled users.
// Errors: ErrSessionExpired.
func (s *Service) Authenticate(ctx context.Context, token string) (Session, User, error) {
	if token == "" {
		return Session{}, User{}, ErrSessionExpired
	}
	now := s.now().UTC()
	sess, err := s.store.SessionForAuth(ctx, HashToken(token))
	if errs.Is(err, errs.KindNotFound) {
		return Session{}, User{}, ErrSessionExpired
	}
	if err != nil {
		return Session{}, User{}, err
	}
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > s.cfg.IdleTimeout {
		_ = s.store.DeleteSession(ctx, sess.TokenHash)
		return Session{}, User{}, ErrSessionExpired
	}
	u, err := s.store.UserByIDForAuth(ctx, sess.UserID)
	if errs.Is(err, errs.KindNotFound) || (err == nil && u.Disabled()) {
		_ = s.store.DeleteSession(ctx, sess.TokenHash)
		return Session{}, User{}, ErrSessionExpired
	}
	if err != nil {
		return Session{}, User{}, err
	}
	// Record activity at most once a minute to keep writes rare.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.store.TouchSession(ctx, sess.TokenHash, now); err != nil {
			return Session{}, User{}, err
		}
		sess.LastSeenAt = now
	}
	return sess, u, nil
}

// Logout ends the session of token (a no-op for unknown tokens).
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.store.DeleteSession(ctx, HashToken(token))
}

// ErrBadAPIKey is returned for a missing, unknown or revoked API key.
var ErrBadAPIKey = errs.Unauthorized("missing or invalid API key; send it as 'Authorization: Bearer <key>'").WithCode("invalid_api_key")

// AuthenticateAPIKey resolves an API key to its client and records its use.
// Errors: ErrBadAPIKey.
func (s *Service) AuthenticateAPIKey(ctx context.Context, key string) (APIClient, error) {
	if !strings.HasPrefix(key, APIKeyPrefix) || len(key) < 20 || len(key) > 100 {
		return APIClient{}, ErrBadAPIKey
	}
	c, err := s.store.APIClientForAuth(ctx, HashToken(key))
	if errs.Is(err, errs.KindNotFound) || (err == nil && c.RevokedAt != nil) {
		return APIClient{}, ErrBadAPIKey
	}
	if err != nil {
		return APIClient{}, err
	}
	now := s.now().UTC()
	if c.LastUsedAt == nil || now.Sub(*c.LastUsedAt) > time.Minute {
		if err := s.store.TouchAPIClient(ctx, c.ID, now); err != nil {
			return APIClient{}, err
		}
		c.LastUsedAt = &now
	}
	return c, nil
}

// CreateUser validates u and the password and creates the user (admins only).
func (s *Service) CreateUser(ctx context.Context, u *User, password string) error {
	u.Normalize()
	var f errs.Fields
	if err := u.Validate(); err != nil {
		e, _ := errs.As(err)
		f = append(f, e.Fields...)
	}
	if msg := ValidatePassword(password); msg != "" {
		f.Add("password", locale.Key(msg))
	}
	if err := f.Err(); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.store.CreateUser(ctx, u, hash)
}

// SetPassword validates and sets a new password and ends the user's sessions.
func (s *Service) SetPassword(ctx context.Context, userID int64, password string) error {
	if msg := ValidatePassword(password); msg != "" {
		return errs.Invalid("the password is too weak", errs.FieldError{Field: "password", Message: msg})
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	if err := s.store.SetPassword(ctx, userID, hash); err != nil {
		return err
	}
	return s.store.DeleteUserSessions(ctx, userID)
}

// SetDisabled disables or re-enables a user; disabling ends its sessions.
func (s *Service) SetDisabled(ctx context.Context, userID int64, disabled bool) error {
	if err := s.store.SetDisabled(ctx, userID, disabled); err != nil {
		return err
	}
	if disabled {
		return s.store.DeleteUserSessions(ctx, userID)
	}
	return nil
}

// CreateAPIKey creates an API client and returns the key, shown only this once.
func (s *Service) CreateAPIKey(ctx context.Context, name string, ratePerMinute int) (APIClient, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return APIClient{}, "", errs.Invalid("name the API key", errs.FieldError{Field: "name", Message: "enter a name, e.g. the website it is for"})
	}
	if ratePerMinute <= 0 {
		ratePerMinute = 120
	}
	key, prefix := NewAPIKey()
	c := APIClient{Name: name, Prefix: prefix, RatePerMinute: ratePerMinute}
	if err := s.store.CreateAPIClient(ctx, &c, HashToken(key)); err != nil {
		return APIClient{}, "", err
	}
	return c, key, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
