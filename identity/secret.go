package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// argon2id parameters (OWASP 2024 minimum is m=19 MiB, t=2, p=1; we use more memory).
const (
	argonTime    = 2
	argonMemory  = 32 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// MinPasswordLength is the shortest accepted password.
const MinPasswordLength = 10

// HashPassword returns an argon2id hash in PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the PHC-encoded argon2id hash.
func CheckPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked when no user matches, so that a wrong e-mail takes as
// long as a wrong password (no user enumeration by timing).
var dummyHash, _ = HashPassword("mietwerk-dummy-password")

// ValidatePassword returns nil for an acceptable new password, else a
// KindInvalid error on the field "password".
func ValidatePassword(pw string) error {
	var f errs.Fields
	if len([]rune(pw)) < MinPasswordLength {
		f.Add("password", "user.password_min", locale.Params{"n": MinPasswordLength})
	} else if len(pw) > 256 {
		f.Add("password", "user.password_max", locale.Params{"n": 256})
	}
	return f.Err()
}

// NewToken returns a random URL-safe token with 256 bits of entropy.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the hex SHA-256 of a session token or API key, the only
// form in which they are stored.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// APIKeyPrefix is how every Mietwerk API key starts.
const APIKeyPrefix = "mwk_"

// TestKeyPrefix is how every test-mode API key starts ("mwk_test_public_…").
const TestKeyPrefix = APIKeyPrefix + "test_"

// NewAPIKey returns a new API key of scope s, in test mode or live, and its
// display prefix (the key's prefix and the first 8 random characters): a
// live key "mwk_<scope>_…", a test key "mwk_test_<scope>_…".
func NewAPIKey(s Scope, test bool) (key, prefix string) {
	p := s.ModePrefix(test)
	key = p + randomBase32(30)
	return key, key[:len(p)+8]
}

// randomBase32 returns n random bytes as lower-case unpadded base32.
func randomBase32(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// BookingSecretPrefix is how every booking secret starts.
const BookingSecretPrefix = "bks_"

// NewBookingSecret returns a new per-booking secret: handed out once, to
// the creator of a booking, so that a public key can read, change and
// cancel that booking (and no other). Only its HashToken is stored.
func NewBookingSecret() string { return BookingSecretPrefix + randomBase32(30) }
