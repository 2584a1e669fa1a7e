-- The dealer's workshop reported the repair of a rental's workshop order
-- done (POST /api/v1/workshop-orders/{ref}/completed): the home screen
-- lists these rentals as coming back, until they are returned.
CREATE TABLE workshop_completions (
    tenant_id     bigint NOT NULL,
    contract_id   bigint NOT NULL,
    workshop_ref  text NOT NULL,
    reported_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, contract_id),
    FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts(tenant_id, id)
);
