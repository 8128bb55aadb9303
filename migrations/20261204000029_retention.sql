-- Retention (issue 20): what the database stops keeping, and the mark that it did.
--
-- A run's items are retired by replacing its partition with one that holds only the items a work
-- item points at (the work's history keeps its subject); the run row, its counts and its reports
-- in object storage stay. A Zelle extract's payments are retired by dropping its partition; the
-- file's registry row stays (its hash still refuses a second delivery, the audit trail still
-- names it).
ALTER TABLE recon_run
    ADD COLUMN items_retired_at timestamptz,
    -- How many items the retired partition kept (those work items point at).
    ADD COLUMN items_kept bigint;
ALTER TABLE feed_file ADD COLUMN rows_retired_at timestamptz;
