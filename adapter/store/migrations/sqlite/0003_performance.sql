-- Performance (the online booking path). The PostgreSQL file also stores
-- files without compression; SQLite never compresses values.
--
-- A booking takes the free car of its category with the lowest odometer:
-- walking this index in that order stops at the first free ones instead of
-- testing every car of the station for overlaps first (3 ms at 1,000 cars).
CREATE INDEX vehicles_pick ON vehicles(tenant_id, station_id, category_id, odometer_km, id);
