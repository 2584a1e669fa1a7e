package identity

import (
	"context"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
)

// Config tunes sign-in and sessions.
type Config struct {
	IdleTimeout     time.Duration // session ends after this long without a request; default 30 min
	AbsoluteTimeout time.Duration // session ends this long after sign-in; default 12 h
	// MaxFailures is how many failed sign-ins of one account from one
	// address (or from one known device) pass without delay; after that
	// each further attempt waits twice as long as the one before (1 s,
	// 2 s, 4 s … at most MaxDelay). An address gets 4×MaxFailures free
	// failures over all accounts. Default 5.
	MaxFailures int
	// MaxDelay caps the wait; default 15 min. Window is how long failures
	// count; default 24 h.
	MaxDelay time.Duration
	Window   time.Duration
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
	if c.MaxDelay == 0 {
		c.MaxDelay = 15 * time.Minute
	}
	if c.Window == 0 {
		c.Window = 24 * time.Hour
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
var ErrBadCredentials = errs.Unauthorized("bad_credentials")

// ErrTooManyAttempts is returned while sign-in is throttled (see
// Throttled for the wait).
var ErrTooManyAttempts = errs.New(errs.KindRateLimited, "too_many_attempts")

// Throttled is the error of a throttled sign-in: ErrTooManyAttempts with
// the time to wait.
type Throttled struct{ Wait time.Duration }

func (e *Throttled) Error() string { return ErrTooManyAttempts.Error() }
func (e *Throttled) Unwrap() error { return ErrTooManyAttempts }

// LoginRequest is one sign-in attempt: the client's address (taken from a
// trusted proxy's header when there is one) and the device token the
// browser sent back from an earlier successful sign-in ("" if none).
type LoginRequest struct {
	Email, Password string
	RemoteAddr      string
	UserAgent       string
	Device          string
}

// LoginResult is a successful sign-in: the session cookie token (never
// stored), the session, the user and the device token to keep in the
// browser (renewed on every sign-in).
type LoginResult struct {
	Token   string
	Session Session
	User    User
	Device  string
}

// Login checks e-mail and password and opens a session; see SignIn.
func (s *Service) Login(ctx context.Context, email, password, remoteAddr, userAgent string) (string, Session, User, error) {
	res, err := s.SignIn(ctx, LoginRequest{Email: email, Password: password, RemoteAddr: remoteAddr, UserAgent: userAgent})
	return res.Token, res.Session, res.User, err
}

// delay is the wait after n failures of a bucket with free free ones:
// nothing before, then 1 s doubling up to max.
func delay(n, free int, max time.Duration) time.Duration {
	if n < free {
		return 0
	}
	d := time.Second << min(n-free, 20)
	return min(d, max)
}

// SignIn checks e-mail and password and opens a session. Failures slow
// down, never lock out: they are counted per account and address (and per
// address over all accounts); from a device that signed in to the account
// before (its token in req.Device), only that device's own failures
// count. After MaxFailures failures each next attempt must wait twice as
// long, and while it waits the password is not even checked. So a
// stranger guessing passwords from elsewhere — or a colleague behind the
// same proxy — never keeps a user with the right password on a known
// device out. Errors: ErrBadCredentials, *Throttled (ErrTooManyAttempts).
func (s *Service) SignIn(ctx context.Context, req LoginRequest) (LoginResult, error) {
	now := s.now().UTC()
	email := strings.ToLower(strings.TrimSpace(req.Email))
	since := now.Add(-s.cfg.Window)
	var deviceUser int64
	var deviceHash string
	if req.Device != "" && len(req.Device) <= 100 {
		deviceHash = HashToken(req.Device)
		if uid, err := s.store.LoginDevice(ctx, deviceHash); err == nil {
			deviceUser = uid
		} else if !errs.Is(err, errs.KindNotFound) {
			return LoginResult{}, err
		}
	}
	u, hash, uerr := s.store.UserForAuth(ctx, email)
	if uerr != nil && !errs.Is(uerr, errs.KindNotFound) {
		return LoginResult{}, uerr
	}
	known := uerr == nil && deviceUser != 0 && deviceUser == u.ID
	var buckets []string
	var free []int
	if known {
		buckets, free = []string{"device:" + deviceHash}, []int{s.cfg.MaxFailures}
	} else {
		buckets = []string{"account+ip:" + email + "|" + req.RemoteAddr, "ip:" + req.RemoteAddr}
		free = []int{s.cfg.MaxFailures, 4 * s.cfg.MaxFailures}
	}
	for i, b := range buckets {
		n, last, err := s.store.LoginFailures(ctx, b, since)
		if err != nil {
			return LoginResult{}, err
		}
		if wait := last.Add(delay(n, free[i], s.cfg.MaxDelay)).Sub(now); n >= free[i] && wait > 0 {
			return LoginResult{}, &Throttled{Wait: wait}
		}
	}
	if uerr != nil {
		hash = dummyHash
	}
	if !CheckPassword(hash, req.Password) || uerr != nil || u.Disabled() {
		if err := s.store.RecordLoginFailure(ctx, buckets, now); err != nil {
			return LoginResult{}, err
		}
		return LoginResult{}, ErrBadCredentials
	}
	if err := s.store.ClearLoginFailures(ctx, buckets[0]); err != nil {
		return LoginResult{}, err
	}
	device := NewToken()
	if err := s.store.SaveLoginDevice(ctx, HashToken(device), deviceHash, u.ID, now); err != nil {
		return LoginResult{}, err
	}
	tok := NewToken()
	sess := Session{
		TokenHash: HashToken(tok), TenantID: u.TenantID, UserID: u.ID, CSRFToken: NewToken(),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.AbsoluteTimeout),
		UserAgent: truncate(req.UserAgent, 300), RemoteAddr: truncate(req.RemoteAddr, 100),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return LoginResult{}, err
	}
	if err := s.store.MarkLogin(ctx, u.ID, now); err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: tok, Session: sess, User: u, Device: device}, nil
}

// ErrSessionExpired is returned for unknown, idle or expired sessions.
var ErrSessionExpired = errs.Unauthorized("session_expired")

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
var ErrBadAPIKey = errs.Unauthorized("invalid_api_key")

// AuthenticateAPIKey resolves an API key to its client and records its use.
// Errors: ErrBadAPIKey.
func (s *Service) AuthenticateAPIKey(ctx context.Context, key string) (APIClient, error) {
	if !strings.HasPrefix(key, APIKeyPrefix) || len(key) < 20 || len(key) > 100 {
		return APIClient{}, ErrBadAPIKey
	}
	c, err := s.store.APIClientForAuth(ctx, HashToken(key))
	return s.authenticated(ctx, c, err)
}

// RateCount is how many requests an API client made in the current rate
// window (this one included), and how long until the next window starts.
type RateCount struct {
	Count      int
	RetryAfter time.Duration
}

// AuthenticateAPIKeyCounted is AuthenticateAPIKey that also counts the
// request against the key's client in its current rate window of length
// window (Store.APIClientForAuthCounted: one statement on PostgreSQL). A
// missing, unknown or revoked key counts nothing. Errors: ErrBadAPIKey.
func (s *Service) AuthenticateAPIKeyCounted(ctx context.Context, key string, window time.Duration) (APIClient, RateCount, error) {
	if !strings.HasPrefix(key, APIKeyPrefix) || len(key) < 20 || len(key) > 100 {
		return APIClient{}, RateCount{}, ErrBadAPIKey
	}
	c, rc, err := s.store.APIClientForAuthCounted(ctx, HashToken(key), window)
	c, err = s.authenticated(ctx, c, err)
	if err != nil {
		return APIClient{}, RateCount{}, err
	}
	return c, rc, nil
}

// authenticated checks the client c the key's lookup found (err its
// error) and records its use (at most once a minute).
func (s *Service) authenticated(ctx context.Context, c APIClient, err error) (APIClient, error) {
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
	f.Merge("", u.Validate())
	f.Merge("", ValidatePassword(password))
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
	if err := ValidatePassword(password); err != nil {
		return err
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

// CreateAPIKey creates a live API client of scope and returns the key,
// shown only this once. Errors: KindInvalid (no name, unknown scope).
func (s *Service) CreateAPIKey(ctx context.Context, name string, scope Scope, ratePerMinute int) (APIClient, string, error) {
	return s.CreateKey(ctx, name, scope, false, ratePerMinute)
}

// CreateKey creates an API client of scope, in test mode or live, and
// returns the key, shown only this once. Errors: KindInvalid (no name,
// unknown scope).
func (s *Service) CreateKey(ctx context.Context, name string, scope Scope, test bool, ratePerMinute int) (APIClient, string, error) {
	name = strings.TrimSpace(name)
	var f errs.Fields
	if name == "" {
		f.Add("name", "api_key.name_required")
	}
	if !scope.Valid() {
		f.Add("scope", "api_key.scope_choose")
	}
	if err := f.Err(); err != nil {
		return APIClient{}, "", err
	}
	if ratePerMinute <= 0 {
		ratePerMinute = 120
	}
	key, prefix := NewAPIKey(scope, test)
	c := APIClient{Name: name, Prefix: prefix, Scope: scope, Test: test, RatePerMinute: ratePerMinute}
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
