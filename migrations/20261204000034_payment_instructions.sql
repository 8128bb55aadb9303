-- Payment instructions (issue 21): one per action that pays out, written in the transaction that
-- posts the action to payments in transit, so that neither exists without the other. A job
-- drains them into pain.001 messages in the outbound area of object storage, exactly once:
--   1. it claims a release's instructions into a message row, with the message itself: its bytes
--      are built once, there, and written as they are however often the write is tried;
--   2. it writes the object;
--   3. it marks the message sent.
-- A crash between any two steps leaves a state the next drain finishes without a second message.
CREATE TABLE payment_message (
    id         bigserial   PRIMARY KEY,
    message_id text        NOT NULL UNIQUE CHECK (length(message_id) BETWEEN 1 AND 35),
    created_at timestamptz NOT NULL,
    object_key text        NOT NULL UNIQUE,
    body       bytea       NOT NULL,
    sha256     text        NOT NULL,
    sent_at    timestamptz
);

CREATE TABLE payment_instruction (
    id                      bigserial   PRIMARY KEY,
    action_id               bigint      NOT NULL UNIQUE REFERENCES ledger_action (id),
    end_to_end_id           text        NOT NULL UNIQUE CHECK (length(end_to_end_id) BETWEEN 1 AND 35),
    counterparty_version_id bigint      NOT NULL REFERENCES counterparty_version (id),
    amount_minor            bigint      NOT NULL CHECK (amount_minor > 0),
    currency                text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    execution_date          date        NOT NULL,
    remittance              text        NOT NULL CHECK (length(remittance) BETWEEN 1 AND 140),
    -- Instructions released together travel in one message.
    release_key             text        NOT NULL,
    message                 bigint      REFERENCES payment_message (id),
    status                  text        NOT NULL DEFAULT 'queued'
                                        CHECK (status IN ('queued', 'sent', 'pending', 'settled', 'rejected')),
    created_at              timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'queued') OR message IS NOT NULL)
);
CREATE INDEX payment_instruction_unclaimed ON payment_instruction (release_key, id) WHERE message IS NULL;
CREATE INDEX payment_instruction_by_message ON payment_instruction (message);

-- What was instructed stays as it was: an instruction's payment and a message's bytes never
-- change once written (only an instruction's message and status, and a message's sending, move).
CREATE FUNCTION payment_instruction_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.action_id, NEW.end_to_end_id, NEW.counterparty_version_id, NEW.amount_minor, NEW.currency,
        NEW.execution_date, NEW.remittance, NEW.release_key)
       IS DISTINCT FROM
       (OLD.action_id, OLD.end_to_end_id, OLD.counterparty_version_id, OLD.amount_minor, OLD.currency,
        OLD.execution_date, OLD.remittance, OLD.release_key)
       OR (OLD.message IS NOT NULL AND NEW.message IS DISTINCT FROM OLD.message) THEN
        RAISE EXCEPTION 'payment instruction % is frozen', OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER payment_instruction_frozen BEFORE UPDATE ON payment_instruction
    FOR EACH ROW EXECUTE FUNCTION payment_instruction_frozen();
CREATE FUNCTION payment_message_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.message_id, NEW.created_at, NEW.object_key, NEW.body, NEW.sha256)
       IS DISTINCT FROM (OLD.message_id, OLD.created_at, OLD.object_key, OLD.body, OLD.sha256) THEN
        RAISE EXCEPTION 'payment message % is frozen', OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER payment_message_frozen BEFORE UPDATE ON payment_message
    FOR EACH ROW EXECUTE FUNCTION payment_message_frozen();
CREATE TRIGGER payment_instruction_kept BEFORE DELETE OR TRUNCATE ON payment_instruction
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_removal();
CREATE TRIGGER payment_message_kept BEFORE DELETE OR TRUNCATE ON payment_message
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_removal();
