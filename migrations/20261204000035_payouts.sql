-- Payouts (issue 21): an action that pays a resettlement out to an external counterparty. Its
-- approval posts the amount from its account to payments in transit and queues the payment
-- instruction (migration 0034), in one transaction. The hub's status reports (pain.002) then
-- settle it (in transit to its final account) or reject it (the posting reversed, the work item
-- reopened).
ALTER TABLE ledger_action DROP CONSTRAINT ledger_action_kind_check;
ALTER TABLE ledger_action ADD CONSTRAINT ledger_action_kind_check
    CHECK (kind IN ('transfer', 'write_off', 'reversal', 'fx_transfer', 'payout'));

-- Money on its way out: one account per currency a payout may be in.
INSERT INTO ledger_account (code, name, kind, currency, created_by) VALUES
    ('payments_in_transit', 'Payments in transit', 'asset', 'USD', 'migration'),
    ('payments_in_transit_eur', 'Payments in transit EUR', 'asset', 'EUR', 'migration'),
    ('payments_in_transit_gbp', 'Payments in transit GBP', 'asset', 'GBP', 'migration')
ON CONFLICT (code) DO NOTHING;

-- Every file the hub sends back, registered once by its object key before anything of it is
-- applied. A file whose bytes were applied before under another key is a duplicate; a file that
-- cannot be applied whole is quarantined whole, with the reason, and nothing of it is applied.
CREATE TABLE hub_file (
    id          bigserial   PRIMARY KEY,
    object_key  text        NOT NULL UNIQUE,
    kind        text        NOT NULL CHECK (kind IN ('pain002', 'camt053')),
    sha256      text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes  bigint      NOT NULL CHECK (size_bytes >= 0),
    message_id  text,
    received_at timestamptz NOT NULL DEFAULT now(),
    status      text        NOT NULL CHECK (status IN ('applied', 'duplicate', 'quarantined')),
    reason      text,
    -- What it changed: payment statuses recorded.
    applied     integer     NOT NULL DEFAULT 0,
    CHECK ((status = 'quarantined') = (reason IS NOT NULL))
);
-- One applied file per content and per message id: a report sent twice changes nothing twice.
CREATE UNIQUE INDEX hub_file_applied_once ON hub_file (sha256) WHERE status = 'applied';
CREATE UNIQUE INDEX hub_file_message_once ON hub_file (kind, message_id) WHERE status = 'applied';

-- Each status the hub reported for an instruction, in order; the instruction's own status is the
-- latest that changed it.
CREATE TABLE payment_status (
    id             bigserial   PRIMARY KEY,
    instruction_id bigint      NOT NULL REFERENCES payment_instruction (id),
    hub_file_id    bigint      NOT NULL REFERENCES hub_file (id),
    status         text        NOT NULL CHECK (status IN ('pending', 'settled', 'rejected')),
    -- ISO's reason code (AC04: account closed) and the hub's words, when given.
    reason_code    text        CHECK (reason_code ~ '^[A-Z0-9]{1,4}$'),
    reason_text    text        CHECK (length(reason_text) <= 500),
    -- The transaction it posted: the settlement, or the reversal of a rejected payout.
    transaction_id bigint      REFERENCES ledger_transaction (id),
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (instruction_id, hub_file_id)
);
CREATE INDEX payment_status_by_instruction ON payment_status (instruction_id, id);

ALTER TABLE payment_instruction
    -- The payment block of its message it travels in (`PmtInfId`), set with the message.
    ADD COLUMN block_id      text,
    ADD COLUMN status_at     timestamptz,
    ADD COLUMN reason_code   text,
    ADD COLUMN reason_text   text,
    -- The settlement posting, or the reversal of a rejected payout.
    ADD COLUMN final_transaction bigint REFERENCES ledger_transaction (id),
    ADD CHECK ((status IN ('settled', 'rejected')) = (final_transaction IS NOT NULL));
CREATE INDEX payment_instruction_open ON payment_instruction (status, id) WHERE status IN ('sent', 'pending');

-- A status moves forwards only: queued, sent, pending, then settled or rejected, which are final.
CREATE FUNCTION payment_instruction_forwards() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
           (OLD.status = 'queued' AND NEW.status = 'sent')
        OR (OLD.status = 'sent' AND NEW.status IN ('pending', 'settled', 'rejected'))
        OR (OLD.status = 'pending' AND NEW.status IN ('settled', 'rejected'))) THEN
        RAISE EXCEPTION 'payment instruction % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (OLD.final_transaction IS NOT NULL
        AND (NEW.final_transaction, NEW.reason_code, NEW.reason_text, NEW.status_at)
            IS DISTINCT FROM (OLD.final_transaction, OLD.reason_code, OLD.reason_text, OLD.status_at))
       OR (OLD.block_id IS NOT NULL AND NEW.block_id IS DISTINCT FROM OLD.block_id) THEN
        RAISE EXCEPTION 'payment instruction % is final', OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER payment_instruction_forwards BEFORE UPDATE ON payment_instruction
    FOR EACH ROW EXECUTE FUNCTION payment_instruction_forwards();

ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
ALTER TABLE alert ADD CONSTRAINT alert_kind_check
    CHECK (kind IN ('feed_late', 'feed_quarantined', 'run_failed', 'sla_breached', 'approval_waiting',
                    'records_unaccounted', 'hub_file_quarantined', 'payment_overdue'));

-- A registered file says what it was and what became of it, once (only its count is written
-- after, in the transaction that registers it).
CREATE FUNCTION hub_file_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.object_key, NEW.kind, NEW.sha256, NEW.size_bytes, NEW.message_id, NEW.received_at, NEW.status, NEW.reason)
       IS DISTINCT FROM
       (OLD.object_key, OLD.kind, OLD.sha256, OLD.size_bytes, OLD.message_id, OLD.received_at, OLD.status, OLD.reason) THEN
        RAISE EXCEPTION 'hub file % is frozen', OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER hub_file_frozen BEFORE UPDATE ON hub_file FOR EACH ROW EXECUTE FUNCTION hub_file_frozen();

CREATE TRIGGER hub_file_kept BEFORE DELETE OR TRUNCATE ON hub_file
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_removal();
CREATE TRIGGER payment_status_kept BEFORE DELETE OR TRUNCATE ON payment_status
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_removal();
