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

-- Retention drops partitions, which needs their owner. New ones are handed to settledesk_bulk as
-- they are made (`DetachedPartition::create`); those made before are handed over here, where the
-- migration may (one made by a login this role cannot act for stays, and says so in the log).
DO $$
DECLARE
    part regclass;
BEGIN
    FOR part IN SELECT inhrelid::regclass FROM pg_inherits
                WHERE inhparent IN ('recon_item'::regclass, 'zelle_payment'::regclass) LOOP
        BEGIN
            EXECUTE format('ALTER TABLE %s OWNER TO settledesk_bulk', part);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'partition % keeps its owner: retention cannot drop it until its owner hands it over', part;
        END;
    END LOOP;
END
$$;
