-- Exception work a team can run a day with.

-- How a transfer for an item of a given reason is usually booked: the ledger's transfer form is
-- filled from it (the associate can still change every field). `{network}` in an account code
-- stands for the item's network (visa, mastercard). Admins edit them; each change is audited.
CREATE TABLE posting_template (
    class       text        NOT NULL CHECK (class IN ('mismatch', 'resettlement')),
    reason      text        NOT NULL,
    from_code   text        NOT NULL CHECK (from_code ~ '^[a-z0-9_.:{}-]{1,64}$'),
    to_code     text        NOT NULL CHECK (to_code ~ '^[a-z0-9_.:{}-]{1,64}$'),
    description text        NOT NULL CHECK (length(description) BETWEEN 1 AND 200),
    updated_by  text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (class, reason),
    CHECK (from_code <> to_code)
);
INSERT INTO posting_template (class, reason, from_code, to_code, description, updated_by) VALUES
    ('resettlement', 'chargeback', 'global_finance_resettlement', '{network}_settlement', 'Chargeback resettlement', 'migration'),
    ('resettlement', 'reversal', '{network}_settlement', 'global_finance_resettlement', 'Network reversal resettlement', 'migration'),
    ('resettlement', 'fee', 'network_fees', '{network}_settlement', 'Network fee', 'migration'),
    ('resettlement', 'cross_currency', 'global_finance_resettlement', '{network}_settlement', 'Cross-currency resettlement', 'migration'),
    ('mismatch', 'amount_differs', 'suspense', 'zelle_clearing', 'Amount difference corrected', 'migration'),
    ('mismatch', 'zelle_only', 'zelle_clearing', 'suspense', 'Unsettled Zelle payment written off', 'migration'),
    ('mismatch', 'network_only', '{network}_settlement', 'suspense', 'Network record without a payment written off', 'migration');

-- Service levels per reason: business days an item may stay unresolved before it is overdue and
-- escalated. Reasons without a row use the default row (reason '*').
CREATE TABLE service_level (
    reason        text        PRIMARY KEY,
    business_days integer     NOT NULL CHECK (business_days BETWEEN 1 AND 60),
    updated_by    text        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO service_level (reason, business_days, updated_by) VALUES
    ('*', 2, 'migration'),
    ('chargeback', 1, 'migration'),
    ('status_conflict', 1, 'migration');

-- Priority: raised to high when an item passes its service level (the escalation job), or by a
-- supervisor.
ALTER TABLE work_item
    ADD COLUMN priority     text        NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'high')),
    ADD COLUMN escalated_at timestamptz;
