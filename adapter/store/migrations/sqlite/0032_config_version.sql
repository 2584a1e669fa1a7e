-- Configuration version (issue 19): tenants.config_version counts the
-- changes to what a booking reads from the tenant's setup — the tenant's
-- settings, stations, opening-hour exceptions, vehicle categories, tariffs
-- and their categories, API clients and webhook endpoints. Triggers bump it
-- in the same transaction as the change, whichever code makes it, so that
-- every process (they share the database) can keep those reads in a cache
-- and reread them once the version it reads with a request has moved.
-- An API client's last_used_at stamp and a webhook endpoint's failing_since
-- are not configuration and leave it alone.
ALTER TABLE tenants ADD COLUMN config_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER tenants_config_version AFTER UPDATE ON tenants WHEN NEW.config_version = OLD.config_version
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = NEW.id; END;
CREATE TRIGGER stations_config_version_insert AFTER INSERT ON stations
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = NEW.tenant_id; END;
CREATE TRIGGER stations_config_version_update AFTER UPDATE ON stations
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id IN (OLD.tenant_id, NEW.tenant_id); END;
CREATE TRIGGER stations_config_version_delete AFTER DELETE ON stations
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = OLD.tenant_id; END;
CREATE TRIGGER station_exceptions_config_version_insert AFTER INSERT ON station_exceptions
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = NEW.tenant_id; END;
CREATE TRIGGER station_exceptions_config_version_update AFTER UPDATE ON station_exceptions
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id IN (OLD.tenant_id, NEW.tenant_id); END;
CREATE TRIGGER station_exceptions_config_version_delete AFTER DELETE ON station_exceptions
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = OLD.tenant_id; END;
CREATE TRIGGER vehicle_categories_config_version_insert AFTER INSERT ON vehicle_categories
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = NEW.tenant_id; END;
CREATE TRIGGER vehicle_categories_config_version_update AFTER UPDATE ON vehicle_categories
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id IN (OLD.tenant_id, NEW.tenant_id); END;
CREATE TRIGGER vehicle_categories_config_version_delete AFTER DELETE ON vehicle_categories
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = OLD.tenant_id; END;
CREATE TRIGGER tariffs_config_version_insert AFTER INSERT ON tariffs
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = NEW.tenant_id; END;
CREATE TRIGGER tariffs_config_version_update AFTER UPDATE ON tariffs
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id IN (OLD.tenant_id, NEW.tenant_id); END;
CREATE TRIGGER tariffs_config_version_delete AFTER DELETE ON tariffs
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = OLD.tenant_id; END;
CREATE TRIGGER tariff_categories_config_version_insert AFTER INSERT ON tariff_categories
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = NEW.tenant_id; END;
CREATE TRIGGER tariff_categories_config_version_update AFTER UPDATE ON tariff_categories
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id IN (OLD.tenant_id, NEW.tenant_id); END;
CREATE TRIGGER tariff_categories_config_version_delete AFTER DELETE ON tariff_categories
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = OLD.tenant_id; END;
CREATE TRIGGER api_clients_config_version_insert AFTER INSERT ON api_clients
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = NEW.tenant_id; END;
CREATE TRIGGER api_clients_config_version_update AFTER UPDATE OF tenant_id, name, prefix, key_hash, scope, rate_per_minute, revoked_at, test ON api_clients
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id IN (OLD.tenant_id, NEW.tenant_id); END;
CREATE TRIGGER api_clients_config_version_delete AFTER DELETE ON api_clients
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = OLD.tenant_id; END;
CREATE TRIGGER webhook_endpoints_config_version_insert AFTER INSERT ON webhook_endpoints
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = NEW.tenant_id; END;
CREATE TRIGGER webhook_endpoints_config_version_update AFTER UPDATE OF tenant_id, events, enabled, test ON webhook_endpoints
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id IN (OLD.tenant_id, NEW.tenant_id); END;
CREATE TRIGGER webhook_endpoints_config_version_delete AFTER DELETE ON webhook_endpoints
BEGIN UPDATE tenants SET config_version = config_version + 1 WHERE id = OLD.tenant_id; END;
