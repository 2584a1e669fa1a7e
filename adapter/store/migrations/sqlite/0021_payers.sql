-- Payers (Kostenträger, issue 17): insurers, manufacturer programmes, fleet
-- and leasing customers and the dealership's own cost centres, with the
-- parts of a rental they cover, their caps and agreed daily rates.
CREATE TABLE payers (
    id                INTEGER PRIMARY KEY,
    tenant_id         INTEGER NOT NULL REFERENCES tenants(id),
    kind              text NOT NULL CHECK (kind IN ('insurer','manufacturer','fleet','cost_centre')),
    name              text NOT NULL,
    street            text NOT NULL DEFAULT '',
    postal_code       text NOT NULL DEFAULT '',
    city              text NOT NULL DEFAULT '',
    country           text NOT NULL DEFAULT 'DE',
    vat_id            text NOT NULL DEFAULT '',
    buyer_reference   text NOT NULL DEFAULT '',
    payment_days      integer NOT NULL DEFAULT 14 CHECK (payment_days >= 0),
    cap_days          integer NOT NULL DEFAULT 0 CHECK (cap_days >= 0),
    cap_cents         INTEGER NOT NULL DEFAULT 0 CHECK (cap_cents >= 0),
    covers            text NOT NULL DEFAULT '',   -- comma-separated parts: rent,km,fuel,cleaning,damages,fees
    active            INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

CREATE TABLE payer_rates (
    tenant_id            INTEGER NOT NULL,
    payer_id             INTEGER NOT NULL,
    category_id          INTEGER NOT NULL,
    price_per_day_cents  INTEGER NOT NULL CHECK (price_per_day_cents > 0),
    PRIMARY KEY (payer_id, category_id),
    FOREIGN KEY (tenant_id, payer_id) REFERENCES payers(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, category_id) REFERENCES vehicle_categories(tenant_id, id)
);

-- A rental's cover: who pays besides (or instead of) the driver. No row:
-- the driver pays everything. 'payer': the payer pays what it covers (up
-- to its caps), the driver the rest; 'internal': a cost centre pays all.
CREATE TABLE reservation_covers (
    tenant_id        INTEGER NOT NULL,
    reservation_id   INTEGER NOT NULL,
    mode             text NOT NULL CHECK (mode IN ('payer','internal')),
    payer_id         INTEGER NOT NULL,
    claim_number     text NOT NULL DEFAULT '',
    policy_number    text NOT NULL DEFAULT '',
    damage_date      TEXT,
    at_fault_party   text NOT NULL DEFAULT '',
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, reservation_id),
    FOREIGN KEY (tenant_id, reservation_id) REFERENCES reservations(tenant_id, id),
    FOREIGN KEY (tenant_id, payer_id) REFERENCES payers(tenant_id, id)
);
CREATE INDEX reservation_covers_payer ON reservation_covers(tenant_id, payer_id);
