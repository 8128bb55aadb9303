-- Two roles: the owner, who runs these migrations and owns every table and trigger, and
-- `settledesk_app`, what the running server and its jobs connect as (through a login role that is
-- a member of it; ./dev and ./test make `settledesk_server`). The server can then read and write
-- what its work needs, but it can only SELECT and INSERT the audit trail and the ledger's
-- journal, and it cannot drop or disable their append-only triggers (only an owner can) or set
-- session_replication_role (only a superuser can).
--
-- `settledesk_bulk` owns the tables a run rebuilds: attaching a run's partition to recon_item or a
-- file's to zelle_payment needs the parent's owner, and the queue's ANALYZE needs work_item's.
-- settledesk_app is a member of it. None of the protected tables belongs to it.
--
-- Roles belong to the cluster, not the database: created here only if missing (a bank's DBA may
-- have made them beforehand; then the owner needs no CREATEROLE), and tolerant of another
-- database's migration creating them at the same moment.
DO $$
DECLARE
    wanted text;
BEGIN
    FOREACH wanted IN ARRAY ARRAY['settledesk_app', 'settledesk_bulk'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = wanted) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', wanted);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END
$$;

GRANT settledesk_bulk TO settledesk_app;
-- The owner must be a member of settledesk_bulk to hand it tables (a superuser always is).
DO $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT settledesk_bulk TO %I', current_user);
    END IF;
END
$$;

-- Everything in the application's schemas, read and written as the work needs.
GRANT USAGE ON SCHEMA public TO settledesk_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO settledesk_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO settledesk_app;
GRANT USAGE ON SCHEMA tower_sessions TO settledesk_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON tower_sessions.session TO settledesk_app;
-- And in what later migrations add. A later migration that adds an append-only table revokes its
-- UPDATE and DELETE, as below.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO settledesk_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO settledesk_app;

-- The append-only tables: read and appended to, nothing else (the triggers refuse the rest even to
-- the owner; the privileges make the refusal the database's own, before any trigger runs).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_event, ledger_transaction, ledger_posting FROM settledesk_app;
-- The migrations' own record is the owner's.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON _sqlx_migrations FROM settledesk_app;

-- A closed date stays closed. The server takes LOCK TABLE ledger_closed_date IN SHARE / EXCLUSIVE
-- MODE (a posting against a close), which PostgreSQL 15 grants only with UPDATE or DELETE on the
-- table; it keeps UPDATE for that, and this trigger refuses every change but an insert.
CREATE TRIGGER ledger_closed_date_append_only
    BEFORE UPDATE OR DELETE ON ledger_closed_date
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_closed_date_no_truncate
    BEFORE TRUNCATE ON ledger_closed_date
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
REVOKE DELETE, TRUNCATE ON ledger_closed_date FROM settledesk_app;

-- The tables a run rebuilds, and where it builds them.
ALTER TABLE recon_item OWNER TO settledesk_bulk;
ALTER TABLE zelle_payment OWNER TO settledesk_bulk;
ALTER TABLE work_item OWNER TO settledesk_bulk;
GRANT CREATE ON SCHEMA public TO settledesk_bulk;
