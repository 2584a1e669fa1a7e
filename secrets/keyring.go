// Package secrets keeps the secrets Mietwerk stores (a tenant's Telecash API
// secret) encrypted at rest: AES-256-GCM with a random nonce per value,
// under a keyring of one primary key (seals) and any number of previous keys
// (only open), so that a key can be replaced without losing a value.
//
// A sealed value is text: "v1:<key id>:<base64url of nonce and ciphertext>".
// The key id (8 hex digits, derived from the key) says which key opens it;
// the context a value is sealed for (e.g. the tenant it belongs to) is bound
// to it as additional data, so a value copied to another row does not open.
//
// The store keeps sealed values as they are; sealing and opening happen here,
// where a secret is written (Tenants) and where it is used (the gateway
// client, through Keyring.OpenGatewaySecret). Errors never contain a secret,
// a sealed value or a key.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// KeySize is the size of a key in bytes (AES-256).
const KeySize = 32

// version is the prefix of a value sealed in the current format.
const version = "v1"

// The errors of opening a value. They are wrapped with the key id and,
// above this package, the tenant; test them with errors.Is.
var (
	// ErrNoKey: no secret key is configured, so nothing can be sealed or opened.
	ErrNoKey = errors.New("no secret key is configured (MIETWERK_SECRET_KEY or MIETWERK_SECRET_KEY_FILE)")
	// ErrUnknownKey: the value was sealed with a key that is neither the
	// primary nor a previous key of the keyring.
	ErrUnknownKey = errors.New("that key is not configured: add it to MIETWERK_SECRET_KEY_PREVIOUS (or _FILE), or enter the secret again")
	// ErrNotOpened: the key is there but the value does not open with it: it
	// was changed, or it belongs to another record.
	ErrNotOpened = errors.New("the value does not open with that key: it was changed or belongs to another record; enter the secret again")
	// ErrNotSealed: the value is not in the sealed format (a plain-text
	// value stored before encryption at rest, or damaged).
	ErrNotSealed = errors.New("the stored value is not encrypted: start mietwerk serve with a secret key, or run mietwerk secrets rotate, to encrypt it")
)

// Keyring holds the keys: the primary key seals, every key opens what it
// sealed. A nil *Keyring has no keys: Seal and Open return ErrNoKey.
type Keyring struct {
	primary key
	byID    map[string]key
	rand    io.Reader
}

type key struct {
	id   string
	aead cipher.AEAD
}

// ParseKey checks the text of a key: 32 bytes in base64 (standard or URL
// alphabet, padding optional; surrounding white space ignored), as
// GenerateKey or `openssl rand -base64 32` make it. It returns the key's
// id. The error never repeats the text.
func ParseKey(text string) (id string, err error) {
	k, err := parseKey(text)
	return k.id, err
}

func parseKey(text string) (key, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return key{}, errors.New("the key is empty")
	}
	var raw []byte
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(text); err == nil {
			raw = b
			break
		}
	}
	if raw == nil {
		return key{}, errors.New("the key is not base64")
	}
	if len(raw) != KeySize {
		return key{}, fmt.Errorf("the key decodes to %d bytes, not %d", len(raw), KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return key{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return key{}, err
	}
	return key{id: keyID(raw), aead: aead}, nil
}

// keyID derives the public id of a key: 8 hex digits of a hash of it, which
// name the key without revealing anything usable about it.
func keyID(raw []byte) string {
	h := sha256.New()
	h.Write([]byte("mietwerk secret key id\x00"))
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil)[:4])
}

// GenerateKey returns a new random key as text (base64, 44 characters),
// read from r (crypto/rand when nil).
func GenerateKey(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	raw := make([]byte, KeySize)
	if _, err := io.ReadFull(r, raw); err != nil {
		return "", fmt.Errorf("read random bytes for a key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

// SplitKeys splits a list of keys as MIETWERK_SECRET_KEY_PREVIOUS holds
// them: separated by commas, spaces or line breaks.
func SplitKeys(list string) []string {
	return strings.FieldsFunc(list, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
	})
}

// NewKeyring returns the keyring of the primary key and the previous keys
// (texts as ParseKey takes them). A previous key equal to the primary key
// or to another previous key is taken once. Errors name the key at fault
// by its place, never by its text.
func NewKeyring(primary string, previous []string) (*Keyring, error) {
	p, err := parseKey(primary)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	k := &Keyring{primary: p, byID: map[string]key{p.id: p}, rand: rand.Reader}
	for i, text := range previous {
		pk, err := parseKey(text)
		if err != nil {
			return nil, fmt.Errorf("previous secret key %d: %w", i+1, err)
		}
		k.byID[pk.id] = pk // the same key twice has the same id
	}
	return k, nil
}

// PrimaryID returns the id of the key that seals ("" for a nil keyring).
func (k *Keyring) PrimaryID() string {
	if k == nil {
		return ""
	}
	return k.primary.id
}

// IDs returns the ids of every key, the primary first.
func (k *Keyring) IDs() []string {
	if k == nil {
		return nil
	}
	ids := []string{k.primary.id}
	for id := range k.byID {
		if id != k.primary.id {
			ids = append(ids, id)
		}
	}
	return ids
}

// Seal encrypts plain with the primary key and a new random nonce, bound to
// context (the same context must be given to Open). Errors: ErrNoKey for a
// nil keyring; a failure to read random bytes.
func (k *Keyring) Seal(plain, context string) (string, error) {
	if k == nil {
		return "", ErrNoKey
	}
	a := k.primary.aead
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	if _, err := io.ReadFull(k.rand, nonce); err != nil {
		return "", fmt.Errorf("read a random nonce: %w", err)
	}
	out := a.Seal(nonce, nonce, []byte(plain), []byte(context))
	return version + ":" + k.primary.id + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// KeyID returns the id of the key a sealed value names, and whether the
// value is in the sealed format at all.
func KeyID(sealed string) (string, bool) {
	v, rest, ok := strings.Cut(sealed, ":")
	if !ok || v != version {
		return "", false
	}
	id, body, ok := strings.Cut(rest, ":")
	if !ok || len(id) != 8 || body == "" {
		return "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", false
	}
	return id, true
}

// Open decrypts a value Seal made for the same context, with whichever key
// of the keyring it names. Errors (each wrapped with the key id): ErrNoKey,
// ErrUnknownKey, ErrNotOpened, ErrNotSealed.
func (k *Keyring) Open(sealed, context string) (string, error) {
	id, ok := KeyID(sealed)
	if !ok {
		return "", ErrNotSealed
	}
	if k == nil {
		return "", fmt.Errorf("sealed with key %s: %w", id, ErrNoKey)
	}
	kk, ok := k.byID[id]
	if !ok {
		return "", fmt.Errorf("sealed with key %s: %w", id, ErrUnknownKey)
	}
	body, err := base64.RawURLEncoding.DecodeString(sealed[len(version)+1+len(id)+1:])
	if err != nil || len(body) < kk.aead.NonceSize()+kk.aead.Overhead() {
		return "", fmt.Errorf("sealed with key %s: %w", id, ErrNotOpened)
	}
	n := kk.aead.NonceSize()
	plain, err := kk.aead.Open(nil, body[:n], body[n:], []byte(context))
	if err != nil {
		return "", fmt.Errorf("sealed with key %s: %w", id, ErrNotOpened)
	}
	return string(plain), nil
}
