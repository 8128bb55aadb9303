-- Server-side sessions (tower-sessions' PostgreSQL store). Created here rather than by the store's
-- own `migrate()`, so the schema has one owner. The cookie holds only the random session id.
CREATE SCHEMA IF NOT EXISTS tower_sessions;

CREATE TABLE IF NOT EXISTS tower_sessions.session (
    id          text        PRIMARY KEY NOT NULL,
    data        bytea       NOT NULL,
    expiry_date timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS session_expiry_date ON tower_sessions.session (expiry_date);
