-- Matched pairs stored compactly (issue 20). 98% of a day is matches: nobody works them, and the
-- portal needs from them only what proves a payment settled. A match is the record (its file and
-- number) and the payment (its extract and line); of the record's own fields it keeps those the
-- payment cannot tell: its date, kind and merchant category always, the rest only where they
-- differ from the payment's (null: as the payment says). Exceptions keep their full rows and
-- indexes in recon_item.
--
-- Runs completed before this migration keep their matches in recon_item: readers take items from
-- both tables (`run_item`), so nothing is moved. Every binary that runs jobs must be this one or
-- later before a run completes under it: an older one would not see these matches (its check
-- of which payments other runs took reads recon_item alone).
CREATE TABLE recon_match (
    run_id bigint NOT NULL,
    seq bigint NOT NULL,
    feed_file_id bigint NOT NULL,
    record_number bigint NOT NULL,
    payment_file_id bigint NOT NULL,
    payment_line bigint NOT NULL,
    -- How the record found its payment: reference, card_amount_approval, last4_amount_approval.
    rule text NOT NULL,
    transaction_date date NOT NULL,
    kind text NOT NULL,
    merchant_category integer NOT NULL,
    -- The record's amount, always: a run's matches are paged in amount order on their own index.
    amount_minor bigint NOT NULL,
    network text,
    reference text,
    card_last4 text,
    currency text,
    -- What the network settled, where it is not what it presented (null: the record's amount).
    settlement_minor bigint,
    settlement_currency text,
    approval_code text,
    reason_code text,
    PRIMARY KEY (seq, run_id)
) PARTITION BY LIST (run_id);

-- "What settled this payment": the help desk's lookup, and a run asking whether another date's run
-- took a payment. Built on a table written in seq order, the primary key is a sorted pass.
CREATE INDEX recon_match_payment ON recon_match (payment_file_id, payment_line);
-- The few records whose reference is not their payment's (matched on card, amount and approval):
-- without this they could not be found by their own reference.
CREATE INDEX recon_match_own_reference ON recon_match (reference) WHERE reference IS NOT NULL;
-- A run's matches in amount order, and by an amount range (payments cluster on round sums: a
-- page deep in one amount must not re-read all of it).
CREATE INDEX recon_match_amount ON recon_match (amount_minor, seq);

ALTER TABLE recon_match OWNER TO settledesk_bulk;

-- Whether a run keeps its matches in recon_match (every run from this migration on).
ALTER TABLE recon_run ADD COLUMN matches_apart boolean NOT NULL DEFAULT false;

-- A compact match as an item: the record's own word where it kept one, the payment's elsewhere.
-- Beside the item's columns, what a reader needs to choose its index: the record's own reference
-- (mostly null) and the payment's, and where the payment is stored.
CREATE VIEW match_item AS
SELECT m.run_id, m.seq, 'match'::text AS class, NULL::text AS reason, coalesce(m.network, p.network) AS network,
       coalesce(m.reference, p.network_reference) AS reference, coalesce(m.card_last4, p.card_last4) AS card_last4,
       m.transaction_date, m.amount_minor, coalesce(m.currency, p.currency) AS currency,
       coalesce(m.settlement_minor, m.amount_minor) AS settlement_minor,
       coalesce(m.settlement_currency, m.currency, p.currency) AS settlement_currency,
       -- An item without an approval code says none, as a stored one does (the extract says '').
       coalesce(m.approval_code, nullif(p.approval_code, '')) AS approval_code, p.payment_id, m.feed_file_id,
       m.record_number, m.kind, m.merchant_category, m.reason_code, m.rule,
       m.reference AS own_reference, p.network_reference AS payment_reference, m.payment_file_id, m.payment_line
FROM recon_match m JOIN zelle_payment p ON p.feed_file_id = m.payment_file_id AND p.line = m.payment_line;

-- Every item of every run, in one row shape: an exception (or an older run's match) as stored, or
-- a compact match as `match_item` reads it.
CREATE VIEW run_item AS
SELECT run_id, seq, class, reason, network, reference, card_last4, transaction_date, amount_minor, currency,
       settlement_minor, settlement_currency, approval_code, payment_id, feed_file_id, record_number, kind,
       merchant_category, reason_code
FROM recon_item
UNION ALL
SELECT run_id, seq, class, reason, network, reference, card_last4, transaction_date, amount_minor, currency,
       settlement_minor, settlement_currency, approval_code, payment_id, feed_file_id, record_number, kind,
       merchant_category, reason_code
FROM match_item;
