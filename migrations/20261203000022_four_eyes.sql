-- Four eyes that an insider cannot walk around.

-- People, by their identity provider's issuer and subject. A username is only what the provider
-- calls someone today: OpenID Connect promises neither that it is unique nor that it stays, so
-- every separation-of-duties rule compares these ids, never usernames.
CREATE TABLE person (
    id           bigserial   PRIMARY KEY,
    issuer       text        NOT NULL,
    subject      text        NOT NULL,
    username     text        NOT NULL,
    display_name text        NOT NULL,
    -- The roles of their latest sign-in (who can be assigned work).
    roles        text[]      NOT NULL DEFAULT '{}',
    first_seen   timestamptz NOT NULL DEFAULT now(),
    last_seen    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issuer, subject)
);

-- Limits are set in the reporting currency (USD); other currencies are compared through these
-- reference rates, which admins maintain (each change audited).
CREATE TABLE reference_rate (
    currency     text          PRIMARY KEY CHECK (currency ~ '^[A-Z]{3}$'),
    usd_per_unit numeric(24, 10) NOT NULL CHECK (usd_per_unit > 0),
    updated_at   timestamptz   NOT NULL DEFAULT now(),
    updated_by   text          NOT NULL
);
INSERT INTO reference_rate (currency, usd_per_unit, updated_by) VALUES ('USD', 1, 'migration');

-- Actions: who, by person; idempotency keys per person; a version for batch releases; the value in
-- USD the limits were applied to; the initiator's reason when the amount differs from the item's.
ALTER TABLE ledger_action
    ADD COLUMN initiated_by_person bigint REFERENCES person (id),
    ADD COLUMN approved_by_persons bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN version             integer  NOT NULL DEFAULT 1,
    ADD COLUMN usd_value_minor     bigint,
    ADD COLUMN difference_reason   text CHECK (length(difference_reason) BETWEEN 1 AND 500),
    ADD COLUMN reversed_by         bigint REFERENCES ledger_transaction (id);
ALTER TABLE ledger_action DROP CONSTRAINT ledger_action_check;
ALTER TABLE ledger_action ADD CONSTRAINT ledger_action_four_eyes CHECK (
    CASE WHEN initiated_by_person IS NULL THEN NOT (initiated_by = ANY (approved_by))
         ELSE NOT (initiated_by_person = ANY (approved_by_persons)) END);
ALTER TABLE ledger_action DROP CONSTRAINT ledger_action_idempotency_key_key;
CREATE UNIQUE INDEX ledger_action_key_per_person ON ledger_action (initiated_by_person, idempotency_key);
-- A posted action that was reversed afterwards says so.
ALTER TABLE ledger_action DROP CONSTRAINT ledger_action_status_check;
ALTER TABLE ledger_action ADD CONSTRAINT ledger_action_status_check
    CHECK (status IN ('pending', 'posted', 'reversed', 'rejected', 'expired'));
-- One exception, money moved once: at most one posted (not reversed) action per work item.
CREATE UNIQUE INDEX ledger_action_one_posted_per_item ON ledger_action (work_item_id)
    WHERE status = 'posted' AND work_item_id IS NOT NULL;

-- Transactions name their people by id too; the username check stays for rows without them.
ALTER TABLE ledger_transaction
    ADD COLUMN initiated_by_person bigint REFERENCES person (id),
    ADD COLUMN approved_by_persons bigint[] NOT NULL DEFAULT '{}';
ALTER TABLE ledger_transaction DROP CONSTRAINT ledger_transaction_check;
ALTER TABLE ledger_transaction ADD CONSTRAINT ledger_transaction_four_eyes CHECK (
    CASE WHEN initiated_by_person IS NULL THEN initiated_by <> approved_by
         ELSE cardinality(approved_by_persons) > 0 AND NOT (initiated_by_person = ANY (approved_by_persons)) END);

-- Day-end close under maker-checker: one person proposes the first open date, another approves.
CREATE TABLE ledger_close_proposal (
    id                 bigserial   PRIMARY KEY,
    business_date      date        NOT NULL,
    proposed_by        text        NOT NULL,
    proposed_by_person bigint      NOT NULL REFERENCES person (id),
    proposed_at        timestamptz NOT NULL DEFAULT now(),
    status             text        NOT NULL DEFAULT 'pending'
                                   CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by         text,
    decided_by_person  bigint      REFERENCES person (id),
    decided_at         timestamptz,
    CHECK (decided_by_person <> proposed_by_person)
);
CREATE UNIQUE INDEX ledger_close_one_pending ON ledger_close_proposal (business_date) WHERE status = 'pending';
ALTER TABLE ledger_closed_date ADD COLUMN proposal_id bigint REFERENCES ledger_close_proposal (id);

-- Work items are owned by a person.
ALTER TABLE work_item ADD COLUMN owner_person bigint REFERENCES person (id);

-- FX gain and loss in each currency an FX transfer can pay into.
INSERT INTO ledger_account (code, name, kind, currency, created_by) VALUES
    ('fx_gain_loss_eur', 'FX gain and loss EUR', 'income', 'EUR', 'migration'),
    ('fx_gain_loss_gbp', 'FX gain and loss GBP', 'income', 'GBP', 'migration')
ON CONFLICT (code) DO NOTHING;
