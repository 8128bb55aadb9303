-- External counterparties (issue 21): the accounts outside the bank that an action may pay out
-- to, such as a card network's settlement account. Their bank details decide where money goes,
-- so a change is proposed by one admin and takes effect only when another approves it. Every
-- version stays: a payment instruction names the version it paid to.
CREATE TABLE counterparty (
    id         bigserial   PRIMARY KEY,
    -- How people and templates name it: capitals, digits and underscores.
    code       text        NOT NULL UNIQUE CHECK (code ~ '^[A-Z][A-Z0-9_]{1,39}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE counterparty_version (
    id                 bigserial   PRIMARY KEY,
    counterparty_id    bigint      NOT NULL REFERENCES counterparty (id),
    version            integer     NOT NULL CHECK (version > 0),
    name               text        NOT NULL CHECK (length(name) BETWEEN 1 AND 140),
    -- The account: an IBAN, or a domestic account number.
    iban               text        CHECK (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$'),
    account_number     text        CHECK (length(account_number) BETWEEN 1 AND 34),
    -- Its bank: a BIC, an ABA routing number, or both.
    bic                text        CHECK (bic ~ '^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$'),
    aba                text        CHECK (aba ~ '^[0-9]{9}$'),
    currency           text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- False: this version retires the counterparty (nothing more is paid to it).
    active             boolean     NOT NULL,
    status             text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    proposed_by        text        NOT NULL,
    proposed_by_person bigint      NOT NULL REFERENCES person (id),
    proposed_at        timestamptz NOT NULL DEFAULT now(),
    -- Why the change (shown to the admin who decides it).
    reason             text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    decided_by         text,
    decided_by_person  bigint      REFERENCES person (id),
    decided_at         timestamptz,
    UNIQUE (counterparty_id, version),
    CHECK ((iban IS NULL) <> (account_number IS NULL)),
    CHECK (bic IS NOT NULL OR aba IS NOT NULL),
    -- Four eyes, in the database too.
    CONSTRAINT counterparty_four_eyes CHECK (decided_by_person <> proposed_by_person),
    CHECK ((status = 'pending') = (decided_by_person IS NULL))
);
-- One change at a time: a second proposal waits for the first to be decided.
CREATE UNIQUE INDEX counterparty_one_pending ON counterparty_version (counterparty_id) WHERE status = 'pending';

-- A version, once proposed, says what it said: only its decision is written afterwards, once.
CREATE FUNCTION counterparty_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.counterparty_id, NEW.version, NEW.name, NEW.iban, NEW.account_number, NEW.bic, NEW.aba, NEW.currency,
        NEW.active, NEW.proposed_by, NEW.proposed_by_person, NEW.proposed_at, NEW.reason)
       IS DISTINCT FROM
       (OLD.counterparty_id, OLD.version, OLD.name, OLD.iban, OLD.account_number, OLD.bic, OLD.aba, OLD.currency,
        OLD.active, OLD.proposed_by, OLD.proposed_by_person, OLD.proposed_at, OLD.reason)
       OR OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'counterparty version % is frozen: only a pending version is decided, once', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER counterparty_version_frozen BEFORE UPDATE ON counterparty_version
    FOR EACH ROW EXECUTE FUNCTION counterparty_version_frozen();
-- Rows that are the record of money leaving the bank are never removed.
CREATE FUNCTION refuse_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are kept: none is deleted', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER counterparty_version_kept BEFORE DELETE OR TRUNCATE ON counterparty_version
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_removal();
