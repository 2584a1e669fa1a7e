package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix is how every signing secret starts (Standard Webhooks).
const SecretPrefix = "whsec_"

// secretBytes is the length of new secrets: 32 random bytes (the
// specification asks for 24 to 64).
const secretBytes = 32

// The request headers of a delivery (Standard Webhooks).
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// NewSecret returns a new signing secret: "whsec_" and 32 random bytes in
// base64.
func NewSecret() string {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// ErrSecret is returned for a secret that is not "whsec_" and base64 of 24
// to 64 bytes.
var ErrSecret = errors.New("webhook: a signing secret is whsec_ and the base64 of 24 to 64 bytes")

// SecretKey returns the HMAC key of a secret: the bytes its base64 (after
// the whsec_ prefix) encodes.
func SecretKey(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, ErrSecret
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) < 24 || len(key) > 64 {
		return nil, ErrSecret
	}
	return key, nil
}

// Sign returns the webhook-signature value of a request: "v1," and the
// base64 HMAC-SHA256, keyed with the secret's bytes, of
// "msgID.timestamp.body" (the timestamp as Unix seconds).
func Sign(secret, msgID string, at time.Time, body []byte) (string, error) {
	key, err := SecretKey(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msgID))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(at.Unix(), 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// Headers returns the Standard Webhooks headers of one attempt to deliver
// body with message id msgID at the instant at.
func Headers(secret, msgID string, at time.Time, body []byte) (map[string]string, error) {
	sig, err := Sign(secret, msgID, at, body)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		HeaderID:        msgID,
		HeaderTimestamp: strconv.FormatInt(at.Unix(), 10),
		HeaderSignature: sig,
		"Content-Type":  "application/json",
	}, nil
}
