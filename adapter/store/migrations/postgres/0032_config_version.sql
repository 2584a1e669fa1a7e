-- Configuration version (issue 19): tenants.config_version counts the
-- changes to what a booking reads from the tenant's setup — the tenant's
-- settings, stations, opening-hour exceptions, vehicle categories, tariffs
-- and their categories, API clients and webhook endpoints. Triggers bump it
-- in the same transaction as the change, whichever code makes it, so that
-- every process (they share the database) can keep those reads in a cache
-- and reread them once the version it reads with a request has moved.
-- An API client's last_used_at stamp and a webhook endpoint's failing_since
-- are not configuration and leave it alone.
ALTER TABLE tenants ADD COLUMN config_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION mietwerk_config_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE tenants SET config_version = config_version + 1 WHERE id = OLD.tenant_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.tenant_id <> OLD.tenant_id) THEN
        UPDATE tenants SET config_version = config_version + 1 WHERE id = NEW.tenant_id;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION mietwerk_tenant_config_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tenants SET config_version = config_version + 1 WHERE id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER tenants_config_version AFTER UPDATE ON tenants
    FOR EACH ROW WHEN (NEW.config_version = OLD.config_version) EXECUTE FUNCTION mietwerk_tenant_config_bump();
CREATE TRIGGER stations_config_version AFTER INSERT OR UPDATE OR DELETE ON stations
    FOR EACH ROW EXECUTE FUNCTION mietwerk_config_bump();
CREATE TRIGGER station_exceptions_config_version AFTER INSERT OR UPDATE OR DELETE ON station_exceptions
    FOR EACH ROW EXECUTE FUNCTION mietwerk_config_bump();
CREATE TRIGGER vehicle_categories_config_version AFTER INSERT OR UPDATE OR DELETE ON vehicle_categories
    FOR EACH ROW EXECUTE FUNCTION mietwerk_config_bump();
CREATE TRIGGER tariffs_config_version AFTER INSERT OR UPDATE OR DELETE ON tariffs
    FOR EACH ROW EXECUTE FUNCTION mietwerk_config_bump();
CREATE TRIGGER tariff_categories_config_version AFTER INSERT OR UPDATE OR DELETE ON tariff_categories
    FOR EACH ROW EXECUTE FUNCTION mietwerk_config_bump();
CREATE TRIGGER api_clients_config_version AFTER INSERT OR DELETE
    OR UPDATE OF tenant_id, name, prefix, key_hash, scope, rate_per_minute, revoked_at, test ON api_clients
    FOR EACH ROW EXECUTE FUNCTION mietwerk_config_bump();
CREATE TRIGGER webhook_endpoints_config_version AFTER INSERT OR DELETE
    OR UPDATE OF tenant_id, events, enabled, test ON webhook_endpoints
    FOR EACH ROW EXECUTE FUNCTION mietwerk_config_bump();
