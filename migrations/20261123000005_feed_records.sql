-- What the feeds say, loaded in bulk (COPY), one transaction per file: a file is loaded whole or
-- not at all. Card numbers never arrive here: only the last four digits and a keyed fingerprint.
CREATE TABLE network_record (
    feed_file_id        bigint  NOT NULL REFERENCES feed_file (id),
    record_number       bigint  NOT NULL,
    network             text    NOT NULL CHECK (network IN ('visa', 'mastercard')),
    kind                text    NOT NULL,
    credit              boolean NOT NULL,
    reference           text    NOT NULL,
    card_last4          text    NOT NULL,
    card_fingerprint    text    NOT NULL,
    amount_minor        bigint  NOT NULL,
    currency            text    NOT NULL,
    settlement_minor    bigint  NOT NULL,
    settlement_currency text    NOT NULL,
    approval_code       text    NOT NULL,
    transaction_date    date    NOT NULL,
    merchant_category   integer NOT NULL,
    reason_code         text,
    PRIMARY KEY (feed_file_id, record_number)
);
CREATE INDEX network_record_reference ON network_record (reference);

CREATE TABLE zelle_payment (
    feed_file_id      bigint      NOT NULL REFERENCES feed_file (id),
    line              bigint      NOT NULL,
    payment_id        text        NOT NULL,
    business_date     date        NOT NULL,
    initiated_at      timestamptz NOT NULL,
    status            text        NOT NULL,
    amount_minor      bigint      NOT NULL,
    currency          text        NOT NULL,
    network           text        NOT NULL,
    network_reference text,
    card_last4        text        NOT NULL,
    card_fingerprint  text        NOT NULL,
    approval_code     text        NOT NULL,
    PRIMARY KEY (feed_file_id, line)
);
CREATE INDEX zelle_payment_by_date ON zelle_payment (business_date);
CREATE INDEX zelle_payment_reference ON zelle_payment (network_reference);

-- Records with a bad field: kept whole (raw bytes) with the reason, to become exception items.
CREATE TABLE feed_issue (
    feed_file_id  bigint NOT NULL REFERENCES feed_file (id),
    record_number bigint NOT NULL,
    field         text   NOT NULL,
    problem       text   NOT NULL,
    raw           bytea  NOT NULL,
    PRIMARY KEY (feed_file_id, record_number)
);
