-- Mietwerk schema v1 (SQLite). Forward-only: a released file is never edited;
-- changes come as new numbered files.

CREATE TABLE tenants (
    id                      INTEGER PRIMARY KEY,
    slug                    text NOT NULL UNIQUE,
    name                    text NOT NULL,
    legal_name              text NOT NULL,
    street                  text NOT NULL DEFAULT '',
    postal_code             text NOT NULL DEFAULT '',
    city                    text NOT NULL DEFAULT '',
    country                 text NOT NULL DEFAULT 'DE',
    phone                   text NOT NULL DEFAULT '',
    email                   text NOT NULL DEFAULT '',
    website                 text NOT NULL DEFAULT '',
    vat_id                  text NOT NULL DEFAULT '',
    tax_number              text NOT NULL DEFAULT '',
    register_court          text NOT NULL DEFAULT '',
    register_number         text NOT NULL DEFAULT '',
    managing_directors      text NOT NULL DEFAULT '',
    bank_name               text NOT NULL DEFAULT '',
    iban                    text NOT NULL DEFAULT '',
    bic                     text NOT NULL DEFAULT '',
    logo_png                BLOB,
    default_language        text NOT NULL DEFAULT 'de',
    currency                text NOT NULL DEFAULT 'EUR',
    vat_rate_bp             integer NOT NULL DEFAULT 1900,
    invoice_number_pattern  text NOT NULL DEFAULT 'RE-{YYYY}-{SEQ:6}',
    credit_number_pattern   text NOT NULL DEFAULT 'GS-{YYYY}-{SEQ:6}',
    booking_number_prefix   text NOT NULL DEFAULT 'B',
    deposit_mode            text NOT NULL DEFAULT 'preauth' CHECK (deposit_mode IN ('charge','preauth')),
    deposit_settlement      text NOT NULL DEFAULT 'release' CHECK (deposit_settlement IN ('release','set_off')),
    one_way_allowed         INTEGER NOT NULL DEFAULT 0,
    min_notice_minutes      integer NOT NULL DEFAULT 120,
    max_rental_days         integer NOT NULL DEFAULT 60,
    cancel_free_hours       integer NOT NULL DEFAULT 24,
    cancel_fee_cents        INTEGER NOT NULL DEFAULT 0,
    retention_years         integer NOT NULL DEFAULT 10,
    photo_retention_days    integer NOT NULL DEFAULT 365,
    mail_from               text NOT NULL DEFAULT '',
    mail_reply_to           text NOT NULL DEFAULT '',
    gateway_mode            text NOT NULL DEFAULT 'simulator' CHECK (gateway_mode IN ('simulator','sandbox','production')),
    gateway_store_id        text NOT NULL DEFAULT '',
    gateway_api_key         text NOT NULL DEFAULT '',
    gateway_secret          text NOT NULL DEFAULT '',
    gateway_timeout_ms      integer NOT NULL DEFAULT 20000,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);

CREATE TABLE stations (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    code            text NOT NULL,
    name            text NOT NULL,
    street          text NOT NULL DEFAULT '',
    postal_code     text NOT NULL DEFAULT '',
    city            text NOT NULL DEFAULT '',
    country         text NOT NULL DEFAULT 'DE',
    phone           text NOT NULL DEFAULT '',
    email           text NOT NULL DEFAULT '',
    time_zone       text NOT NULL DEFAULT 'Europe/Berlin',
    opening_hours   text NOT NULL DEFAULT '{}',  -- JSON: weekday -> [[open, close], ...]
    mail_from       text NOT NULL DEFAULT '',
    mail_reply_to   text NOT NULL DEFAULT '',
    active          INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, id)
);

CREATE TABLE station_exceptions (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL,
    station_id  INTEGER NOT NULL,
    on_date     TEXT NOT NULL,
    closed      INTEGER NOT NULL DEFAULT 1,
    hours       text NOT NULL DEFAULT '[]', -- JSON [[open, close], ...] when not closed
    note        text NOT NULL DEFAULT '',
    UNIQUE (station_id, on_date),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations(tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    email           text NOT NULL,
    email_lower     text NOT NULL UNIQUE,
    name            text NOT NULL,
    password_hash   text NOT NULL,
    role            text NOT NULL CHECK (role IN ('admin','station')),
    language        text NOT NULL DEFAULT 'de',
    disabled_at     TEXT,
    last_login_at   TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);

CREATE TABLE user_stations (
    tenant_id   INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    station_id  INTEGER NOT NULL,
    PRIMARY KEY (user_id, station_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations(tenant_id, id)
);

CREATE TABLE sessions (
    id_hash         text PRIMARY KEY,       -- SHA-256 of the cookie token; the token itself is never stored
    tenant_id       INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    csrf_token      text NOT NULL,
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    expires_at      TEXT NOT NULL,   -- absolute timeout
    user_agent      text NOT NULL DEFAULT '',
    remote_addr     text NOT NULL DEFAULT '',
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_attempts (
    id          INTEGER PRIMARY KEY,
    bucket      text NOT NULL,  -- 'email:<lower>' or 'ip:<addr>'
    at          TEXT NOT NULL
);
CREATE INDEX login_attempts_bucket ON login_attempts(bucket, at);

CREATE TABLE api_clients (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    name            text NOT NULL,
    prefix          text NOT NULL UNIQUE,   -- first characters of the key, shown in lists
    key_hash        text NOT NULL UNIQUE,   -- SHA-256 of the full key
    rate_per_minute integer NOT NULL DEFAULT 120,
    created_at      TEXT NOT NULL,
    last_used_at    TEXT,
    revoked_at      TEXT,
    UNIQUE (tenant_id, id)
);

CREATE TABLE rate_buckets (
    bucket          text NOT NULL,
    window_start    TEXT NOT NULL,
    count           integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

CREATE TABLE vehicle_categories (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    code            text NOT NULL,
    name_de         text NOT NULL,
    name_en         text NOT NULL,
    description_de  text NOT NULL DEFAULT '',
    description_en  text NOT NULL DEFAULT '',
    seats           integer NOT NULL DEFAULT 5,
    doors           integer NOT NULL DEFAULT 5,
    transmission    text NOT NULL DEFAULT 'manual' CHECK (transmission IN ('manual','automatic')),
    fuel            text NOT NULL DEFAULT 'petrol',
    example_model   text NOT NULL DEFAULT '',
    image_url       text NOT NULL DEFAULT '',
    sort_order      integer NOT NULL DEFAULT 0,
    active          INTEGER NOT NULL DEFAULT 1,
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, id)
);

CREATE TABLE vehicles (
    id                      INTEGER PRIMARY KEY,
    tenant_id               INTEGER NOT NULL,
    station_id              INTEGER NOT NULL,
    category_id             INTEGER NOT NULL,
    plate                   text NOT NULL,
    vin                     text NOT NULL,
    make                    text NOT NULL,
    model                   text NOT NULL,
    color                   text NOT NULL DEFAULT '',
    fuel_type               text NOT NULL DEFAULT 'petrol',
    tank_litres             integer NOT NULL DEFAULT 50,
    odometer_km             INTEGER NOT NULL DEFAULT 0,
    fuel_eighths            integer NOT NULL DEFAULT 8 CHECK (fuel_eighths BETWEEN 0 AND 8),
    cleanliness             text NOT NULL DEFAULT 'clean' CHECK (cleanliness IN ('clean','normal','dirty','very_dirty')),
    status                  text NOT NULL DEFAULT 'available' CHECK (status IN ('available','workshop','blocked','retired')),
    first_registration      TEXT,
    next_inspection         TEXT,
    self_drive_registered   INTEGER NOT NULL DEFAULT 1,
    notes                   text NOT NULL DEFAULT '',
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    UNIQUE (tenant_id, plate),
    UNIQUE (tenant_id, vin),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations(tenant_id, id),
    FOREIGN KEY (tenant_id, category_id) REFERENCES vehicle_categories(tenant_id, id)
);
CREATE INDEX vehicles_station ON vehicles(tenant_id, station_id, category_id);

CREATE TABLE vehicle_conditions (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL,
    vehicle_id      INTEGER NOT NULL,
    recorded_at     TEXT NOT NULL,
    odometer_km     INTEGER NOT NULL,
    fuel_eighths    integer NOT NULL,
    cleanliness     text NOT NULL,
    source          text NOT NULL CHECK (source IN ('manual','handover','return')),
    contract_id     INTEGER,
    user_id         INTEGER,
    FOREIGN KEY (tenant_id, vehicle_id) REFERENCES vehicles(tenant_id, id)
);
CREATE INDEX vehicle_conditions_vehicle ON vehicle_conditions(vehicle_id, recorded_at);

CREATE TABLE customers (
    id                  INTEGER PRIMARY KEY,
    tenant_id           INTEGER NOT NULL REFERENCES tenants(id),
    email               text NOT NULL,
    email_lower         text NOT NULL,
    company             text NOT NULL DEFAULT '',
    first_name          text NOT NULL,
    last_name           text NOT NULL,
    street              text NOT NULL DEFAULT '',
    postal_code         text NOT NULL DEFAULT '',
    city                text NOT NULL DEFAULT '',
    country             text NOT NULL DEFAULT 'DE',
    phone               text NOT NULL DEFAULT '',
    birth_date          TEXT,
    language            text NOT NULL DEFAULT 'de',
    vat_id              text NOT NULL DEFAULT '',
    licence_number      text NOT NULL DEFAULT '',
    licence_class       text NOT NULL DEFAULT '',
    licence_issued_on   TEXT,
    licence_country     text NOT NULL DEFAULT '',
    marketing_consent_at TEXT,
    restricted_at       TEXT,     -- GDPR Art. 17(3)(b): blocked, kept only for retention duty
    erase_after         TEXT,            -- when the retention duty ends
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (tenant_id, email_lower),
    UNIQUE (tenant_id, id)
);
CREATE INDEX customers_name ON customers(tenant_id, last_name, first_name);

CREATE TABLE tariffs (
    id                      INTEGER PRIMARY KEY,
    tenant_id               INTEGER NOT NULL REFERENCES tenants(id),
    code                    text NOT NULL,
    name                    text NOT NULL,
    kind                    text NOT NULL DEFAULT 'standard' CHECK (kind IN ('standard','workshop')),
    price_per_day_cents     INTEGER NOT NULL CHECK (price_per_day_cents >= 0),
    included_km_per_day     integer NOT NULL DEFAULT 0,
    extra_km_cents          INTEGER NOT NULL DEFAULT 0,
    refuel_per_eighth_cents INTEGER NOT NULL DEFAULT 0,
    refuel_per_litre_cents  INTEGER NOT NULL DEFAULT 0,
    cleaning_fee_cents      INTEGER NOT NULL DEFAULT 0,
    deposit_cents           INTEGER NOT NULL DEFAULT 0,
    day_counting            text NOT NULL DEFAULT '24h' CHECK (day_counting IN ('24h','calendar')),
    grace_minutes           integer NOT NULL DEFAULT 59,
    vat_rate_bp             integer NOT NULL DEFAULT 1900,
    valid_from              TEXT NOT NULL,
    valid_to                TEXT,
    active                  INTEGER NOT NULL DEFAULT 1,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, id)
);

CREATE TABLE tariff_categories (
    tenant_id   INTEGER NOT NULL,
    tariff_id   INTEGER NOT NULL,
    category_id INTEGER NOT NULL,
    PRIMARY KEY (tariff_id, category_id),
    FOREIGN KEY (tenant_id, tariff_id) REFERENCES tariffs(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, category_id) REFERENCES vehicle_categories(tenant_id, id)
);

CREATE TABLE counters (
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    series      text NOT NULL,   -- 'invoice', 'credit_note', 'booking', 'contract'
    period      text NOT NULL,   -- e.g. '2026', or '' for a never-resetting series
    value       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, series, period)
);

CREATE TABLE reservations (
    id                      INTEGER PRIMARY KEY,
    tenant_id               INTEGER NOT NULL,
    station_id              INTEGER NOT NULL,
    return_station_id       INTEGER NOT NULL,
    number                  text NOT NULL,
    customer_id             INTEGER NOT NULL,
    category_id             INTEGER NOT NULL,
    vehicle_id              INTEGER,
    tariff_id               INTEGER NOT NULL,
    pickup_at               TEXT NOT NULL,
    return_at               TEXT NOT NULL CHECK (return_at > pickup_at),
    status                  text NOT NULL CHECK (status IN ('pending_payment','confirmed','active','completed','cancelled','failed')),
    source                  text NOT NULL DEFAULT 'api' CHECK (source IN ('api','admin','walk_in')),
    api_client_id           INTEGER,
    workshop_ref            text NOT NULL DEFAULT '',
    notes                   text NOT NULL DEFAULT '',
    language                text NOT NULL DEFAULT 'de',
    day_price_cents         INTEGER NOT NULL DEFAULT 0,
    deposit_cents           INTEGER NOT NULL DEFAULT 0,
    estimated_total_cents   INTEGER NOT NULL DEFAULT 0,
    currency                text NOT NULL DEFAULT 'EUR',
    cancelled_at            TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    UNIQUE (tenant_id, number),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations(tenant_id, id),
    FOREIGN KEY (tenant_id, return_station_id) REFERENCES stations(tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers(tenant_id, id),
    FOREIGN KEY (tenant_id, category_id) REFERENCES vehicle_categories(tenant_id, id),
    FOREIGN KEY (tenant_id, vehicle_id) REFERENCES vehicles(tenant_id, id),
    FOREIGN KEY (tenant_id, tariff_id) REFERENCES tariffs(tenant_id, id)
);
CREATE INDEX reservations_station_pickup ON reservations(tenant_id, station_id, pickup_at);
CREATE INDEX reservations_customer ON reservations(customer_id);

-- Every period in which a vehicle is taken: by a booking (reservation or contract), a block or
-- maintenance. Invariant 1 (no overlap): on SQLite the store checks and inserts in one
-- write-locked (BEGIN IMMEDIATE) transaction; see store/allocations.go.
CREATE TABLE allocations (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL,
    vehicle_id      INTEGER NOT NULL,
    starts_at       TEXT NOT NULL,
    ends_at         TEXT NOT NULL CHECK (ends_at > starts_at),
    kind            text NOT NULL CHECK (kind IN ('booking','block','maintenance')),
    reservation_id  INTEGER,
    note            text NOT NULL DEFAULT '',
    created_by      INTEGER,
    created_at      TEXT NOT NULL,
    UNIQUE (reservation_id),
    FOREIGN KEY (tenant_id, vehicle_id) REFERENCES vehicles(tenant_id, id),
    FOREIGN KEY (tenant_id, reservation_id) REFERENCES reservations(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX allocations_vehicle_end ON allocations(vehicle_id, ends_at);
CREATE INDEX allocations_time ON allocations(tenant_id, ends_at, starts_at);

CREATE TABLE contracts (
    id                  INTEGER PRIMARY KEY,
    tenant_id           INTEGER NOT NULL,
    station_id          INTEGER NOT NULL,
    return_station_id   INTEGER NOT NULL,
    number              text NOT NULL,
    reservation_id      INTEGER NOT NULL UNIQUE,
    customer_id         INTEGER NOT NULL,
    vehicle_id          INTEGER NOT NULL,
    tariff_id           INTEGER NOT NULL,
    starts_at           TEXT NOT NULL,
    planned_end_at      TEXT NOT NULL,
    ended_at            TEXT,
    status              text NOT NULL CHECK (status IN ('open','returned','billed','payment_open','closed')),
    notes               text NOT NULL DEFAULT '',
    deposit_set_off_cents INTEGER NOT NULL DEFAULT 0, -- deposit kept as payment (deposit_mode charge, settlement set_off)
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (tenant_id, number),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations(tenant_id, id),
    FOREIGN KEY (tenant_id, return_station_id) REFERENCES stations(tenant_id, id),
    FOREIGN KEY (tenant_id, reservation_id) REFERENCES reservations(tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers(tenant_id, id),
    FOREIGN KEY (tenant_id, vehicle_id) REFERENCES vehicles(tenant_id, id),
    FOREIGN KEY (tenant_id, tariff_id) REFERENCES tariffs(tenant_id, id)
);
CREATE INDEX contracts_vehicle_time ON contracts(vehicle_id, starts_at);

CREATE TABLE contract_drivers (
    id                  INTEGER PRIMARY KEY,
    tenant_id           INTEGER NOT NULL,
    contract_id         INTEGER NOT NULL,
    role                text NOT NULL CHECK (role IN ('main','additional')),
    first_name          text NOT NULL,
    last_name           text NOT NULL,
    birth_date          TEXT,
    licence_number      text NOT NULL,
    licence_class       text NOT NULL,
    licence_issued_on   TEXT,
    licence_country     text NOT NULL,
    licence_checked_by  INTEGER,
    licence_checked_at  TEXT,
    removed_at          TEXT,
    FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts(tenant_id, id)
);
CREATE INDEX contract_drivers_contract ON contract_drivers(contract_id);

CREATE TABLE damages (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL,
    vehicle_id      INTEGER NOT NULL,
    view            text NOT NULL CHECK (view IN ('top','left','right','front','rear')),
    x_pct           real NOT NULL CHECK (x_pct BETWEEN 0 AND 100),
    y_pct           real NOT NULL CHECK (y_pct BETWEEN 0 AND 100),
    kind            text NOT NULL,
    severity        text NOT NULL CHECK (severity IN ('minor','medium','major')),
    description     text NOT NULL DEFAULT '',
    contract_id     INTEGER,
    reported_at     TEXT NOT NULL,
    reported_by     INTEGER,
    charge_cents    INTEGER NOT NULL DEFAULT 0,
    repaired_at     TEXT,
    repair_note     text NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, vehicle_id) REFERENCES vehicles(tenant_id, id)
);
CREATE INDEX damages_vehicle ON damages(vehicle_id);

CREATE TABLE damage_photos (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL,
    damage_id       INTEGER NOT NULL,
    content_type    text NOT NULL,
    size_bytes      INTEGER NOT NULL,
    sha256          text NOT NULL,
    storage         text NOT NULL DEFAULT 'db' CHECK (storage IN ('db','dir','s3')),
    storage_key     text NOT NULL DEFAULT '',
    data            BLOB,
    thumb           BLOB,
    created_at      TEXT NOT NULL,
    FOREIGN KEY (tenant_id, damage_id) REFERENCES damages(tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE protocols (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL,
    contract_id     INTEGER NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('handover','return')),
    station_id      INTEGER NOT NULL,
    recorded_at     TEXT NOT NULL,
    recorded_by     INTEGER,
    odometer_km     INTEGER NOT NULL,
    fuel_eighths    integer NOT NULL CHECK (fuel_eighths BETWEEN 0 AND 8),
    cleanliness     text NOT NULL,
    notes           text NOT NULL DEFAULT '',
    signer_name     text NOT NULL DEFAULT '',
    signature_png   BLOB,
    UNIQUE (contract_id, kind),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts(tenant_id, id)
);

CREATE TABLE payment_cards (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL,
    customer_id     INTEGER NOT NULL,
    token           text NOT NULL,
    brand           text NOT NULL DEFAULT '',
    last4           text NOT NULL DEFAULT '',
    exp_month       integer NOT NULL DEFAULT 0,
    exp_year        integer NOT NULL DEFAULT 0,
    scheme_txn_id   text NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    deleted_at      TEXT,
    UNIQUE (tenant_id, token),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers(tenant_id, id)
);

-- One row per gateway call, written before the call goes out (status 'pending') and resolved after.
CREATE TABLE payments (
    id                  INTEGER PRIMARY KEY,
    tenant_id           INTEGER NOT NULL REFERENCES tenants(id),
    reservation_id      INTEGER,
    contract_id         INTEGER,
    customer_id         INTEGER,
    card_id             INTEGER,
    parent_id           INTEGER REFERENCES payments(id),
    operation           text NOT NULL CHECK (operation IN ('sale','preauth','capture','void','void_preauth','refund','token_sale','token_preauth','create_token','delete_token')),
    purpose             text NOT NULL DEFAULT 'rent',
    status              text NOT NULL CHECK (status IN ('pending','approved','declined','failed','unknown')),
    amount_cents        INTEGER NOT NULL CHECK (amount_cents >= 0),
    currency            text NOT NULL DEFAULT 'EUR',
    merchant_txn_id     text NOT NULL UNIQUE,
    order_id            text NOT NULL,
    ipg_txn_id          text NOT NULL DEFAULT '',
    approval_code       text NOT NULL DEFAULT '',
    scheme_txn_id       text NOT NULL DEFAULT '',
    card_brand          text NOT NULL DEFAULT '',
    card_last4          text NOT NULL DEFAULT '',
    reason_code         text NOT NULL DEFAULT '',
    message             text NOT NULL DEFAULT '',
    inquiries           integer NOT NULL DEFAULT 0,
    next_inquiry_at     TEXT,
    created_at          TEXT NOT NULL,
    resolved_at         TEXT,
    FOREIGN KEY (tenant_id, reservation_id) REFERENCES reservations(tenant_id, id),
    FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts(tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers(tenant_id, id),
    FOREIGN KEY (tenant_id, card_id) REFERENCES payment_cards(tenant_id, id)
);
CREATE INDEX payments_pending ON payments(status, next_inquiry_at) WHERE status IN ('pending','unknown');
CREATE INDEX payments_reservation ON payments(reservation_id);
CREATE INDEX payments_contract ON payments(contract_id);
CREATE INDEX payments_order ON payments(order_id);

-- Invoices and credit notes: append-only (triggers below), numbers gap-free per series via counters.
CREATE TABLE invoices (
    id                  INTEGER PRIMARY KEY,
    tenant_id           INTEGER NOT NULL REFERENCES tenants(id),
    station_id          INTEGER,
    kind                text NOT NULL CHECK (kind IN ('advance','final','invoice','credit_note')),
    number              text NOT NULL,
    reservation_id      INTEGER,
    contract_id         INTEGER,
    customer_id         INTEGER NOT NULL,
    corrects_id         INTEGER REFERENCES invoices(id),
    issued_at           TEXT NOT NULL,
    service_from        TEXT,
    service_to          TEXT,
    currency            text NOT NULL DEFAULT 'EUR',
    net_cents           INTEGER NOT NULL,
    vat_cents           INTEGER NOT NULL,
    gross_cents         INTEGER NOT NULL,
    deducted_cents      INTEGER NOT NULL DEFAULT 0,
    deducted_net_cents  INTEGER NOT NULL DEFAULT 0, -- net of the advances a final deducts (exact revenue)
    due_cents           INTEGER NOT NULL,
    language            text NOT NULL DEFAULT 'de',
    recipient           text NOT NULL,   -- JSON snapshot of name and address at issue
    supplier            text NOT NULL,   -- JSON snapshot of the tenant at issue
    UNIQUE (tenant_id, number),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, reservation_id) REFERENCES reservations(tenant_id, id),
    FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts(tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers(tenant_id, id)
);
CREATE INDEX invoices_reservation ON invoices(reservation_id);
CREATE INDEX invoices_contract ON invoices(contract_id);

CREATE TABLE invoice_lines (
    id                  INTEGER PRIMARY KEY,
    tenant_id           INTEGER NOT NULL,
    invoice_id          INTEGER NOT NULL,
    position            integer NOT NULL,
    kind                text NOT NULL DEFAULT 'rent',
    description         text NOT NULL,
    quantity_milli      INTEGER NOT NULL,
    unit                text NOT NULL DEFAULT '',
    unit_gross_cents    INTEGER NOT NULL,
    vat_rate_bp         integer NOT NULL,
    net_cents           INTEGER NOT NULL,
    vat_cents           INTEGER NOT NULL,
    gross_cents         INTEGER NOT NULL,
    UNIQUE (invoice_id, position),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices(tenant_id, id)
);

-- Issued documents (invoice PDFs, protocols, contracts): exact bytes and their SHA-256, append-only.
CREATE TABLE documents (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    kind            text NOT NULL CHECK (kind IN ('invoice','credit_note','handover_protocol','return_protocol','contract','change_notice')),
    invoice_id      INTEGER,
    contract_id     INTEGER,
    reservation_id  INTEGER,
    filename        text NOT NULL,
    content_type    text NOT NULL,
    sha256          text NOT NULL,
    size_bytes      INTEGER NOT NULL,
    data            BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices(tenant_id, id)
);
CREATE INDEX documents_invoice ON documents(invoice_id);
CREATE INDEX documents_contract ON documents(contract_id);

CREATE TABLE emails (
    id                  INTEGER PRIMARY KEY,
    tenant_id           INTEGER NOT NULL REFERENCES tenants(id),
    station_id          INTEGER,
    kind                text NOT NULL,
    language            text NOT NULL DEFAULT 'de',
    to_addr             text NOT NULL,
    to_name             text NOT NULL DEFAULT '',
    from_addr           text NOT NULL,
    reply_to            text NOT NULL DEFAULT '',
    subject             text NOT NULL,
    body_text           text NOT NULL,
    body_html           text NOT NULL DEFAULT '',
    message_id          text NOT NULL,
    status              text NOT NULL CHECK (status IN ('queued','sent','failed')),
    attempts            integer NOT NULL DEFAULT 0,
    next_attempt_at     TEXT NOT NULL,
    locked_until        TEXT,
    locked_by           text NOT NULL DEFAULT '',
    last_error          text NOT NULL DEFAULT '',
    sent_at             TEXT,
    reservation_id      INTEGER,
    contract_id         INTEGER,
    customer_id         INTEGER,
    created_at          TEXT NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX emails_due ON emails(status, next_attempt_at);

CREATE TABLE email_attachments (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL,
    email_id        INTEGER NOT NULL,
    position        integer NOT NULL,
    filename        text NOT NULL,
    content_type    text NOT NULL,
    document_id     INTEGER,
    data            BLOB,
    inline          integer NOT NULL DEFAULT 0, -- shown in the HTML body as cid:<content_id>
    content_id      text NOT NULL DEFAULT '',
    FOREIGN KEY (tenant_id, email_id) REFERENCES emails(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents(tenant_id, id)
);
CREATE INDEX email_attachments_email ON email_attachments(email_id);

CREATE TABLE email_attempts (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL,
    email_id    INTEGER NOT NULL,
    at          TEXT NOT NULL,
    ok          INTEGER NOT NULL,
    response    text NOT NULL,
    worker      text NOT NULL DEFAULT '',
    FOREIGN KEY (tenant_id, email_id) REFERENCES emails(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX email_attempts_email ON email_attempts(email_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    station_id  INTEGER,
    at          TEXT NOT NULL,
    actor_kind  text NOT NULL CHECK (actor_kind IN ('user','api','system')),
    actor_id    INTEGER,
    actor_name  text NOT NULL DEFAULT '',
    entity      text NOT NULL,
    entity_id   INTEGER NOT NULL,
    action      text NOT NULL,
    before      text NOT NULL DEFAULT '',  -- JSON
    after       text NOT NULL DEFAULT '',  -- JSON
    request_id  text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log(tenant_id, entity, entity_id, at);

CREATE TABLE idempotency_keys (
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    api_client_id   INTEGER NOT NULL,
    key             text NOT NULL,
    method          text NOT NULL,
    path            text NOT NULL,
    request_hash    text NOT NULL,
    state           text NOT NULL CHECK (state IN ('processing','done')),
    locked_until    TEXT NOT NULL,
    status_code     integer NOT NULL DEFAULT 0,
    content_type    text NOT NULL DEFAULT '',
    response_body   BLOB,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, api_client_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);

-- GoBD: issued invoices, their lines and issued documents are never changed or deleted.
CREATE TRIGGER invoices_no_update BEFORE UPDATE ON invoices BEGIN SELECT RAISE(ABORT, 'rows of invoices are immutable once issued'); END;
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices BEGIN SELECT RAISE(ABORT, 'rows of invoices are immutable once issued'); END;
CREATE TRIGGER invoice_lines_no_update BEFORE UPDATE ON invoice_lines BEGIN SELECT RAISE(ABORT, 'rows of invoice_lines are immutable once issued'); END;
CREATE TRIGGER invoice_lines_no_delete BEFORE DELETE ON invoice_lines BEGIN SELECT RAISE(ABORT, 'rows of invoice_lines are immutable once issued'); END;
CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents BEGIN SELECT RAISE(ABORT, 'rows of documents are immutable once issued'); END;
CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents BEGIN SELECT RAISE(ABORT, 'rows of documents are immutable once issued'); END;
