package secrets_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/secrets"
	"mietwerk.dev/mietwerk/tenancy"
)

func newKey(t *testing.T) string {
	t.Helper()
	k, err := secrets.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyring(t *testing.T, primary string, previous ...string) *secrets.Keyring {
	t.Helper()
	k, err := secrets.NewKeyring(primary, previous)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestSealOpen: a value opens to what was sealed, for the same context
// only; each sealing has its own nonce; the sealed text names the key and
// holds nothing of the plain text.
func TestSealOpen(t *testing.T) {
	k := keyring(t, newKey(t))
	for _, plain := range []string{"", "s3cr3t", "Geheimnis mit Umlauten äöü ß 😀", strings.Repeat("x", 4096), "\x00\xff"} {
		a, err := k.Seal(plain, "ctx-1")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := k.Seal(plain, "ctx-1")
		if a == b {
			t.Errorf("two sealings of %q are equal: the nonce is not random", plain)
		}
		if !strings.HasPrefix(a, "v1:"+k.PrimaryID()+":") {
			t.Errorf("sealed %q does not start with v1:%s:", a, k.PrimaryID())
		}
		if id, ok := secrets.KeyID(a); !ok || id != k.PrimaryID() {
			t.Errorf("KeyID(%q) = %q %v", a, id, ok)
		}
		if len(plain) > 3 && strings.Contains(a, plain) {
			t.Errorf("the sealed value holds the plain text")
		}
		got, err := k.Open(a, "ctx-1")
		if err != nil || got != plain {
			t.Errorf("Open = %q, %v; want %q", got, err, plain)
		}
		if _, err := k.Open(a, "ctx-2"); !errors.Is(err, secrets.ErrNotOpened) {
			t.Errorf("opened for another context: %v", err)
		}
	}
}

// TestOpenErrors: each way a value cannot be opened has its error, which
// names the key and never the value.
func TestOpenErrors(t *testing.T) {
	old, cur := newKey(t), newKey(t)
	oldRing := keyring(t, old)
	sealed, _ := oldRing.Seal("hunter2-hunter2", "c")
	flipped := []byte(sealed)
	flipped[len(flipped)-3] ^= 1
	if flipped[len(flipped)-3] == '-' || flipped[len(flipped)-3] == '_' {
		flipped[len(flipped)-3] = 'A'
	}
	var nilRing *secrets.Keyring
	tests := []struct {
		name   string
		k      *secrets.Keyring
		value  string
		want   error
		wantID string
	}{
		{"unknown key", keyring(t, cur), sealed, secrets.ErrUnknownKey, oldRing.PrimaryID()},
		{"no keyring", nilRing, sealed, secrets.ErrNoKey, oldRing.PrimaryID()},
		{"changed", oldRing, string(flipped), secrets.ErrNotOpened, oldRing.PrimaryID()},
		{"cut short", oldRing, sealed[:20], secrets.ErrNotOpened, oldRing.PrimaryID()},
		{"plain text", oldRing, "hunter2-hunter2", secrets.ErrNotSealed, ""},
		{"other version", oldRing, "v2" + sealed[2:], secrets.ErrNotSealed, ""},
		{"bad key id", oldRing, "v1:zzzzzzzz:abcd", secrets.ErrNotSealed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.k.Open(tt.value, "c")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if tt.wantID != "" && !strings.Contains(err.Error(), tt.wantID) {
				t.Errorf("%q does not name key %s", err, tt.wantID)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), sealed[10:]) {
				t.Errorf("%q shows the value", err)
			}
		})
	}
	if _, err := nilRing.Seal("x", "c"); !errors.Is(err, secrets.ErrNoKey) {
		t.Errorf("Seal without a key: %v", err)
	}
}

// TestKeyringPreviousKeys: the primary key seals; a previous key opens what
// it sealed, so a rotation loses nothing.
func TestKeyringPreviousKeys(t *testing.T) {
	old, cur := newKey(t), newKey(t)
	byOld, _ := keyring(t, old).Seal("alt", "c")
	both := keyring(t, cur, old, cur) // the primary listed again is taken once
	if got, err := both.Open(byOld, "c"); err != nil || got != "alt" {
		t.Fatalf("previous key: %q %v", got, err)
	}
	byNew, _ := both.Seal("neu", "c")
	if id, _ := secrets.KeyID(byNew); id != both.PrimaryID() || id == keyring(t, old).PrimaryID() {
		t.Fatalf("sealed with %s, want the primary %s", id, both.PrimaryID())
	}
	if n := len(both.IDs()); n != 2 {
		t.Fatalf("%d key ids, want 2", n)
	}
}

// TestParseKey: 32 bytes in any base64 alphabet, with or without padding
// and white space; anything else is refused without repeating it.
func TestParseKey(t *testing.T) {
	raw := make([]byte, 32)
	rand.Read(raw)
	for _, ok := range []string{
		base64.StdEncoding.EncodeToString(raw), base64.RawStdEncoding.EncodeToString(raw),
		base64.URLEncoding.EncodeToString(raw), "  " + base64.StdEncoding.EncodeToString(raw) + "\n",
	} {
		if _, err := secrets.ParseKey(ok); err != nil {
			t.Errorf("ParseKey(%q): %v", ok, err)
		}
	}
	id1, _ := secrets.ParseKey(base64.StdEncoding.EncodeToString(raw))
	id2, _ := secrets.ParseKey(base64.RawURLEncoding.EncodeToString(raw))
	if id1 != id2 || len(id1) != 8 {
		t.Errorf("key ids %q, %q: want the same 8 hex digits for the same key", id1, id2)
	}
	for _, bad := range []string{"", "   ", "not-a-key!!", base64.StdEncoding.EncodeToString(raw[:16]),
		base64.StdEncoding.EncodeToString(append(raw, 1)), "correct horse battery staple"} {
		_, err := secrets.ParseKey(bad)
		if err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
			continue
		}
		if strings.TrimSpace(bad) != "" && strings.Contains(err.Error(), strings.TrimSpace(bad)) {
			t.Errorf("error %q repeats the key", err)
		}
	}
	if _, err := secrets.NewKeyring(newKey(t), []string{"short"}); err == nil || !strings.Contains(err.Error(), "previous secret key 1") {
		t.Errorf("a bad previous key: %v, want an error naming previous key 1", err)
	}
	if got := secrets.SplitKeys(" a,b\nc\r\n d ,, "); strings.Join(got, "|") != "a|b|c|d" {
		t.Errorf("SplitKeys = %q", got)
	}
}

// TestGenerateKey: a key from the given randomness; a failing source is an error.
func TestGenerateKey(t *testing.T) {
	k, err := secrets.GenerateKey(bytes.NewReader(make([]byte, 32)))
	if err != nil || k != base64.StdEncoding.EncodeToString(make([]byte, 32)) {
		t.Fatalf("GenerateKey = %q, %v", k, err)
	}
	if _, err := secrets.GenerateKey(bytes.NewReader(make([]byte, 5))); err == nil {
		t.Fatal("a short random source gave a key")
	}
	if a, b := newKey(t), newKey(t); a == b || len(a) != 44 {
		t.Fatalf("two keys %q %q", a, b)
	}
}

// TestGatewaySecretIsBoundToTheTenant: a tenant's sealed secret opens for
// that tenant only; the error names the tenant and the key.
func TestGatewaySecretIsBoundToTheTenant(t *testing.T) {
	k := keyring(t, newKey(t))
	sealed, err := k.SealGatewaySecret(7, "telecash-secret")
	if err != nil {
		t.Fatal(err)
	}
	tn := tenancy.Tenant{ID: 7, Slug: "autohaus-koenig", Gateway: tenancy.GatewaySettings{SealedSecret: sealed}}
	if got, err := k.OpenGatewaySecret(tn); err != nil || got != "telecash-secret" {
		t.Fatalf("OpenGatewaySecret = %q, %v", got, err)
	}
	tn.ID, tn.Slug = 8, "autohaus-fremd"
	_, err = k.OpenGatewaySecret(tn)
	if !errors.Is(err, secrets.ErrNotOpened) || !strings.Contains(err.Error(), `"autohaus-fremd" (id 8)`) ||
		!strings.Contains(err.Error(), k.PrimaryID()) || strings.Contains(err.Error(), "telecash-secret") {
		t.Fatalf("another tenant's value: %v", err)
	}
	if got, err := k.OpenGatewaySecret(tenancy.Tenant{ID: 1}); got != "" || err != nil {
		t.Fatalf("no secret: %q %v", got, err)
	}
}
