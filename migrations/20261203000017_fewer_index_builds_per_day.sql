-- Three index builds a heavy day no longer pays for (measured alone on the partitions of a
-- 10-million-record day, 2026-12-03).
--
-- The exceptions-only indexes by network, (run_id, network, class[, reason], seq): a network's
-- items are one range of seq since migration 0016, so the class and reason indexes with that
-- range as a bound on seq find the same rows in the same order (a page of one network's
-- mismatches for one reason reads 50 index entries either way). Each build read all 10 million
-- items to keep 2% of them: 2.2 s each. For runs from before 0016 the range spans the whole run,
-- so such a page reads the class's or reason's entries and skips the other network's: a few
-- hundred thousand at worst, the exceptions of one day.

-- A Zelle extract's partition holds its business date (and at most a few late payments of
-- another), so a btree over it is one value repeated ten million times (4.5 s to build, 66 MB),
-- and within its partition it narrows nothing. What
-- the index is for is passing over the other dates' partitions (open payments of the last days,
-- the help desk's lookup by date), and a block-range index does that from one summary per 128
-- pages: 1.7 s to build, a few kB. Plans checked: a date outside a partition reads no block of
-- it; a date inside it reads the partition, as the btree's plan did.
-- Built first, on every stored extract (one read of each, ~1.7 s per 10 million payments), under
-- locks that let the portal read on; the btree is dropped last, so the exclusive lock its drop
-- takes is held only for the moment to commit.
CREATE INDEX zelle_payment_by_date_range ON zelle_payment USING brin (business_date);
DROP INDEX zelle_payment_by_date;

-- Dropped last for the same reason.
DROP INDEX recon_item_exception_network;
DROP INDEX recon_item_exception_network_reason;
