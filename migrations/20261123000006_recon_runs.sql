-- A reconciliation run of a business date. Re-running a date makes a new version that supersedes
-- the previous one; nothing is overwritten. A run that never completed is marked abandoned by the
-- next run of its date.
CREATE TABLE recon_run (
    id               bigserial   PRIMARY KEY,
    business_date    date        NOT NULL,
    version          integer     NOT NULL CHECK (version > 0),
    rule_set_version integer     NOT NULL,
    status           text        NOT NULL CHECK (status IN ('running', 'completed', 'abandoned')),
    stage            text        NOT NULL,
    started_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    records          bigint,
    payments         bigint,
    counts           jsonb,
    manifest         jsonb,
    UNIQUE (business_date, version)
);

-- Every classified record of a run, indexed for browsing by date, class, reason, amount and reference.
CREATE TABLE recon_item (
    run_id              bigint  NOT NULL REFERENCES recon_run (id),
    seq                 bigint  NOT NULL,
    class               text    NOT NULL CHECK (class IN ('match', 'mismatch', 'resettlement')),
    reason              text,
    network             text    NOT NULL,
    reference           text,
    card_last4          text    NOT NULL,
    transaction_date    date    NOT NULL,
    amount_minor        bigint  NOT NULL,
    currency            text    NOT NULL,
    settlement_minor    bigint,
    settlement_currency text,
    approval_code       text,
    payment_id          text,
    feed_file_id        bigint  REFERENCES feed_file (id),
    record_number       bigint,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX recon_item_browse ON recon_item (run_id, class, reason, seq);
CREATE INDEX recon_item_amount ON recon_item (run_id, amount_minor);
CREATE INDEX recon_item_reference ON recon_item (reference);
CREATE INDEX recon_item_payment ON recon_item (payment_id);
