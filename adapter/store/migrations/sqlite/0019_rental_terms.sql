-- The tenant's rental terms (AGB), printed with the contract (issue 15).
-- Versions are kept: a contract prints the version in force at its start,
-- so a later change never rewrites what a customer signed.
CREATE TABLE rental_terms (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    body        text NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  INTEGER
);
CREATE INDEX rental_terms_tenant ON rental_terms(tenant_id, created_at);
