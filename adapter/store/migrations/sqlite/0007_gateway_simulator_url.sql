-- A tenant in simulator mode may name the URL of a Telecash simulator that
-- runs as its own process (mietwerk telecash-sim), so that several server
-- processes share one simulated gateway; empty: the built-in simulator of
-- each process. The PostgreSQL file 0007_gateway_simulator_url.sql is the
-- equivalent.
ALTER TABLE tenants ADD COLUMN gateway_simulator_url text NOT NULL DEFAULT '';
