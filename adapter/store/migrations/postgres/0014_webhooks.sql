-- Webhooks (Standard Webhooks): a tenant's endpoints, the events its
-- business transactions queue (in the same transaction, like the e-mail
-- outbox), one delivery per event and endpoint, and every attempt with the
-- receiver's answer. The SQLite file 0014_webhooks.sql is the equivalent.

-- events: the event types it receives, separated by spaces ('' = all);
-- test: receives the events of test-mode API keys only (else live ones).
-- secret: the signing secret (whsec_…), shown once when the endpoint is made.
-- failing_since: the first failed attempt since the last success.
CREATE TABLE webhook_endpoints (
    id              bigserial PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants(id),
    url             text NOT NULL,
    description     text NOT NULL DEFAULT '',
    events          text NOT NULL DEFAULT '',
    test            boolean NOT NULL DEFAULT false,
    secret          text NOT NULL,
    enabled         boolean NOT NULL DEFAULT true,
    disabled_at     timestamptz,
    disabled_reason text NOT NULL DEFAULT '' CHECK (disabled_reason IN ('','admin','failing','gone')),
    failing_since   timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints(tenant_id);

-- message_id is the webhook-id header, the same for every attempt. The
-- object ids have no foreign keys: test data can be wiped and customers
-- purged while their events are still listed. label is the object's number,
-- booking the number of its booking. payload is the body as sent, NULL until
-- it is rendered right after the commit (render_after: when to try next).
CREATE TABLE webhook_events (
    id              bigserial PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants(id),
    message_id      text NOT NULL UNIQUE,
    type            text NOT NULL,
    test            boolean NOT NULL DEFAULT false,
    reservation_id  bigint,
    contract_id     bigint,
    invoice_id      bigint,
    payment_id      bigint,
    label           text NOT NULL DEFAULT '',
    booking         text NOT NULL DEFAULT '',
    occurred_at     timestamptz NOT NULL,
    payload         text,
    render_attempts integer NOT NULL DEFAULT 0,
    render_after    timestamptz NOT NULL,
    render_error    text NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id)
);
CREATE INDEX webhook_events_render ON webhook_events(render_after, id) WHERE payload IS NULL;
CREATE INDEX webhook_events_occurred ON webhook_events(occurred_at);
CREATE INDEX webhook_events_reservation ON webhook_events(tenant_id, reservation_id);

-- order_key: deliveries of one booking to one endpoint go out in order.
CREATE TABLE webhook_deliveries (
    id                  bigserial PRIMARY KEY,
    tenant_id           bigint NOT NULL,
    event_id            bigint NOT NULL,
    endpoint_id         bigint NOT NULL,
    order_key           text NOT NULL,
    status              text NOT NULL CHECK (status IN ('pending','delivered','failed')),
    attempts            integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL,
    first_attempt_at    timestamptz,
    locked_until        timestamptz,
    locked_by           text NOT NULL DEFAULT '',
    last_status         integer NOT NULL DEFAULT 0,
    last_error          text NOT NULL DEFAULT '',
    delivered_at        timestamptz,
    created_at          timestamptz NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, event_id) REFERENCES webhook_events(tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints(tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries(endpoint_id, order_key, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);

CREATE TABLE webhook_attempts (
    id              bigserial PRIMARY KEY,
    tenant_id       bigint NOT NULL,
    delivery_id     bigint NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    at              timestamptz NOT NULL,
    status_code     integer NOT NULL DEFAULT 0,
    response        text NOT NULL DEFAULT '',
    error           text NOT NULL DEFAULT '',
    duration_ms     integer NOT NULL DEFAULT 0,
    worker          text NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id);
