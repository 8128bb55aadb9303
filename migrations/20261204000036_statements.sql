-- Statement reconciliation (issue 21): the bank's end-of-day statements (camt.053) of the
-- settlement and in-transit accounts, checked against the ledger. Every break becomes a work item
-- of its own class, which a reconciliation run did not report: such an item names its statement
-- instead of a run's item.

-- Which of the bank's accounts each statement names is which ledger account; admins maintain it.
CREATE TABLE statement_account (
    bank_account      text        PRIMARY KEY CHECK (bank_account ~ '^[A-Z0-9-]{1,34}$'),
    ledger_account_id bigint      NOT NULL UNIQUE REFERENCES ledger_account (id),
    updated_by        text        NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Each statement taken in, with what the ledger said beside it.
CREATE TABLE bank_statement (
    id                   bigserial   PRIMARY KEY,
    hub_file_id          bigint      NOT NULL REFERENCES hub_file (id),
    statement_id         text        NOT NULL,
    bank_account         text        NOT NULL,
    ledger_account_id    bigint      NOT NULL REFERENCES ledger_account (id),
    currency             text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    statement_date       date        NOT NULL,
    opening_minor        bigint      NOT NULL,
    closing_minor        bigint      NOT NULL,
    -- The ledger's balance of the account at the end of the day before, and of the day.
    ledger_opening_minor bigint      NOT NULL,
    ledger_closing_minor bigint      NOT NULL,
    entries              integer     NOT NULL,
    breaks               integer     NOT NULL,
    recorded_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bank_account, statement_date, statement_id)
);
CREATE INDEX bank_statement_latest ON bank_statement (ledger_account_id, statement_date DESC, id DESC);
-- Kept as taken in: what the bank said, and what the ledger said beside it, that day.
CREATE FUNCTION bank_statement_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'bank statements are kept as taken in' USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER bank_statement_frozen BEFORE UPDATE OR DELETE OR TRUNCATE ON bank_statement
    FOR EACH STATEMENT EXECUTE FUNCTION bank_statement_frozen();

-- A work item is a reconciliation run's item, or a statement's break.
ALTER TABLE work_item ALTER COLUMN run_id DROP NOT NULL;
ALTER TABLE work_item ALTER COLUMN seq DROP NOT NULL;
ALTER TABLE work_item ADD COLUMN statement_id bigint REFERENCES bank_statement (id);
ALTER TABLE work_item DROP CONSTRAINT work_item_class_check;
ALTER TABLE work_item ADD CONSTRAINT work_item_class_check
    CHECK (class IN ('mismatch', 'resettlement', 'statement_break'));
-- Checked apart from its adding, which would hold the (large) table's exclusive lock meanwhile.
ALTER TABLE work_item ADD CONSTRAINT work_item_source CHECK (
    (class = 'statement_break' AND statement_id IS NOT NULL AND run_id IS NULL AND seq IS NULL)
    OR (class <> 'statement_break' AND statement_id IS NULL AND run_id IS NOT NULL AND seq IS NOT NULL)) NOT VALID;
ALTER TABLE work_item VALIDATE CONSTRAINT work_item_source;
CREATE INDEX work_item_by_statement ON work_item (statement_id) WHERE statement_id IS NOT NULL;

-- What the hub and the bank said, and what was instructed, is appended to, never taken back (the
-- triggers refuse it to everyone; the privileges make the refusal the database's own).
REVOKE UPDATE, DELETE, TRUNCATE ON bank_statement, payment_status FROM settledesk_app;
REVOKE DELETE, TRUNCATE ON hub_file, payment_instruction, payment_message, counterparty, counterparty_version
    FROM settledesk_app;
