-- /readyz proves that a write commits: one row per probe key, updated in place.
CREATE TABLE readiness_probe (
    id          integer PRIMARY KEY,
    checked_at  timestamptz NOT NULL
);

-- Devices that signed in successfully (a cookie holds the token; only its
-- hash is stored). A correct password from a known device is not slowed by
-- failures others caused for the account or the address.
CREATE TABLE login_devices (
    token_hash    text PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz NOT NULL
);
CREATE INDEX login_devices_user ON login_devices(user_id);
