-- Each index of a run's items (and of a Zelle extract's payments) is built over millions of rows
-- while the run waits. Measured alone on a 10-million-item partition (2026-12-02):
--
--   (run_id, seq)          8.8 s     (seq)           4.4 s
--   (network, seq)        12.3 s     (amount_minor, seq) 8.9 s, reference 6.3 s, payment_id 7.9 s
--   (feed_file_id, line)   6.9 s on a 10-million-payment extract
--
-- A leading column that is constant within a partition (run_id, feed_file_id) makes every
-- comparison of the build's sort tie on it and fall through to the slow, general path
-- (migration 0015 found the same). The primary keys keep their columns, so the same pairs stay
-- unique, but lead with the column that varies: a lookup names both columns, and a page of a
-- run in report order (`run_id = $1 AND seq > $2 ORDER BY seq`) reads the index in order with
-- the run id checked in the index itself.
ALTER TABLE recon_item DROP CONSTRAINT recon_item_pkey, ADD PRIMARY KEY (seq, run_id);
ALTER TABLE zelle_payment DROP CONSTRAINT zelle_payment_pkey, ADD PRIMARY KEY (line, feed_file_id);

-- (network, seq) was the slowest build of all: two networks tie every comparison on the first
-- column. A run now writes each network's items together (its records, then its Zelle payments
-- without a record), so a network's items are one range of seq, kept here: a page of one
-- network is read from the primary key between its first and last seq. Runs from before this
-- migration have their networks' items interleaved; for them the range covers more than the
-- network, which the network filter still applies (correct, only slower).
CREATE TABLE recon_run_network (
    run_id    bigint NOT NULL REFERENCES recon_run (id),
    network   text   NOT NULL,
    first_seq bigint NOT NULL,
    last_seq  bigint NOT NULL CHECK (last_seq >= first_seq),
    PRIMARY KEY (run_id, network)
);
INSERT INTO recon_run_network (run_id, network, first_seq, last_seq)
SELECT run_id, network, min(seq), max(seq) FROM recon_item GROUP BY run_id, network;
DROP INDEX recon_item_network_in_run;
