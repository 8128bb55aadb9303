-- The double-entry ledger. Accounts hold one currency each; a transaction is two or more postings
-- that net to zero per currency, checked by a deferred trigger when the transaction commits (and
-- by the Rust code before it ever gets here). Transactions and postings are append-only: a
-- correction is a reversing transaction. Balances are kept on the account with a version that
-- every posting bumps, and each posting records the balance it left, so a statement's running
-- balance needs no window over history.

CREATE TABLE ledger_account (
    id            bigserial   PRIMARY KEY,
    code          text        NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9_.:-]{1,64}$'),
    name          text        NOT NULL,
    kind          text        NOT NULL CHECK (kind IN ('asset', 'liability', 'income', 'expense')),
    currency      text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    balance_minor bigint      NOT NULL DEFAULT 0,
    version       bigint      NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text        NOT NULL,
    UNIQUE (id, currency)
);

CREATE TABLE ledger_transaction (
    id              bigserial   PRIMARY KEY,
    idempotency_key text        NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 8 AND 128),
    effective_date  date        NOT NULL,
    description     text        NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    work_item_id    bigint      REFERENCES work_item (id),
    initiated_by    text        NOT NULL,
    approved_by     text        NOT NULL,
    -- The transaction this one reverses (at most one reversal each).
    reverses        bigint      UNIQUE REFERENCES ledger_transaction (id),
    posted_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (initiated_by <> approved_by)
);
CREATE INDEX ledger_transaction_by_date ON ledger_transaction (effective_date, id);
CREATE INDEX ledger_transaction_by_item ON ledger_transaction (work_item_id) WHERE work_item_id IS NOT NULL;

CREATE TABLE ledger_posting (
    id             bigserial PRIMARY KEY,
    transaction_id bigint    NOT NULL REFERENCES ledger_transaction (id),
    account_id     bigint    NOT NULL,
    currency       text      NOT NULL,
    -- Debits positive, credits negative.
    amount_minor   bigint    NOT NULL CHECK (amount_minor <> 0),
    balance_after  bigint    NOT NULL,
    account_version bigint   NOT NULL,
    -- A posting is in its account's currency: the database refuses anything else.
    FOREIGN KEY (account_id, currency) REFERENCES ledger_account (id, currency),
    UNIQUE (account_id, account_version)
);
CREATE INDEX ledger_posting_by_transaction ON ledger_posting (transaction_id);

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only: post a reversing transaction instead'
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER ledger_transaction_append_only BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_posting_append_only BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transaction_no_truncate BEFORE TRUNCATE ON ledger_transaction
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_posting_no_truncate BEFORE TRUNCATE ON ledger_posting
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- At commit: every transaction that gained postings has two or more, netting to zero per currency.
CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    postings bigint;
    unbalanced text;
BEGIN
    SELECT sum(n), min(currency) FILTER (WHERE net <> 0) INTO postings, unbalanced
      FROM (SELECT currency, count(*) AS n, sum(amount_minor) AS net
              FROM ledger_posting WHERE transaction_id = NEW.transaction_id GROUP BY currency) per_currency;
    IF unbalanced IS NOT NULL OR postings < 2 THEN
        RAISE EXCEPTION 'ledger transaction % must have two or more postings netting to zero per currency (% is off)',
            NEW.transaction_id, coalesce(unbalanced, 'the count')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_transaction_balanced';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

-- Business dates closed for posting: nothing may be dated on or before the latest closed date.
CREATE TABLE ledger_closed_date (
    business_date date        PRIMARY KEY,
    closed_by     text        NOT NULL,
    closed_at     timestamptz NOT NULL DEFAULT now()
);

-- Manual actions waiting for a second person (maker-checker).
CREATE TABLE ledger_action (
    id              bigserial   PRIMARY KEY,
    idempotency_key text        NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 8 AND 128),
    kind            text        NOT NULL CHECK (kind IN ('transfer', 'write_off', 'reversal', 'fx_transfer')),
    -- What to post, as the domain's ActionRequest (accounts, amount, rate...).
    request         jsonb       NOT NULL,
    amount_minor    bigint      NOT NULL CHECK (amount_minor > 0),
    currency        text        NOT NULL,
    work_item_id    bigint      REFERENCES work_item (id),
    initiated_by    text        NOT NULL,
    initiated_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    approvals_needed integer    NOT NULL CHECK (approvals_needed BETWEEN 1 AND 2),
    approved_by     text[]      NOT NULL DEFAULT '{}',
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'posted', 'rejected', 'expired')),
    decided_by      text,
    decided_at      timestamptz,
    reason          text,
    transaction_id  bigint      REFERENCES ledger_transaction (id),
    CHECK (NOT (initiated_by = ANY (approved_by)))
);
CREATE INDEX ledger_action_pending ON ledger_action (status, id);

-- The chart of accounts every bank running SettleDesk starts with; admins add more.
INSERT INTO ledger_account (code, name, kind, currency, created_by) VALUES
    ('visa_settlement', 'Visa settlement', 'asset', 'USD', 'migration'),
    ('mastercard_settlement', 'Mastercard settlement', 'asset', 'USD', 'migration'),
    ('zelle_clearing', 'Zelle clearing', 'liability', 'USD', 'migration'),
    ('customer_funding', 'Customer funding', 'liability', 'USD', 'migration'),
    ('suspense', 'Suspense', 'asset', 'USD', 'migration'),
    ('network_fees', 'Network fees', 'expense', 'USD', 'migration'),
    ('global_finance_resettlement', 'Global finance resettlement', 'asset', 'USD', 'migration'),
    ('fx_gain_loss', 'FX gain and loss', 'income', 'USD', 'migration'),
    ('fx_position_usd', 'FX position USD', 'asset', 'USD', 'migration'),
    ('fx_position_eur', 'FX position EUR', 'asset', 'EUR', 'migration'),
    ('fx_position_gbp', 'FX position GBP', 'asset', 'GBP', 'migration'),
    ('visa_settlement_eur', 'Visa settlement EUR', 'asset', 'EUR', 'migration');
