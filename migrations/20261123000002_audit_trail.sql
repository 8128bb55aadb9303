-- The audit trail: append-only and hash-chained.
--
-- Each event's hash is SHA-256 over the previous event's hash and a canonical encoding of the
-- event (see domain/src/audit.rs), so editing or deleting any row breaks the chain at that row.
-- `before_state` / `after_state` hold the exact canonical JSON text that was hashed (text, not
-- jsonb, whose normalisation could change the bytes).

CREATE TABLE audit_event (
    seq          bigint      PRIMARY KEY CHECK (seq > 0),
    occurred_at  timestamptz NOT NULL,
    actor        text        NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    session_ref  text,
    address      text,
    action       text        NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    target       text,
    before_state text        CHECK (before_state IS NULL OR before_state::jsonb IS NOT NULL),
    after_state  text        CHECK (after_state IS NULL OR after_state::jsonb IS NOT NULL),
    prev_hash    bytea       NOT NULL CHECK (length(prev_hash) = 32),
    hash         bytea       NOT NULL CHECK (length(hash) = 32)
);

CREATE INDEX audit_event_occurred_at ON audit_event (occurred_at);
CREATE INDEX audit_event_actor ON audit_event (actor, seq);
CREATE INDEX audit_event_action ON audit_event (action, seq);
CREATE INDEX audit_event_target ON audit_event (target, seq);

-- The head of the chain: one row, locked by every append so appends are strictly ordered.
-- It also lets verification notice a deleted tail.
CREATE TABLE audit_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq       bigint  NOT NULL,
    hash      bytea   NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO audit_head (seq, hash) VALUES (0, decode(repeat('00', 32), 'hex'));

-- The database itself refuses to change history.
CREATE FUNCTION audit_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_event_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only();

CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_is_append_only();
