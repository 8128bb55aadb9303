-- Records with a bad field are part of the day (issue: every record accounted for).
--
-- A record that cannot be read becomes an item of the run that reads its file (a mismatch with
-- the reason `unreadable_record`) and a work item. Its raw bytes are stored with the card number
-- masked (the readers mask it before anything is stored); `masked` says a row was written so.
-- Rows from before this migration are masked by `server migrate` (domain::ingest::
-- mask_stored_issues), which knows each network's layout; until then the portal does not show
-- them.
--
-- What the bad field's record still says of its amount (when its amount and currency fields are
-- readable) counts in that currency in the day's control totals.
ALTER TABLE feed_issue
    ADD COLUMN amount_minor bigint,
    ADD COLUMN currency     text CHECK (currency ~ '^[A-Z]{3}$'),
    ADD COLUMN masked       boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT feed_issue_amount_has_currency CHECK ((amount_minor IS NULL) = (currency IS NULL));

-- What ingestion read of a network file, per currency (readable records and bad ones whose amount
-- is readable) and the bad records whose amount is not: the left side of the control equation
-- that every run of the file's date closes (records in the file = matched + mismatched +
-- resettlement + unreadable). NULL for files ingested before this migration.
ALTER TABLE feed_file ADD COLUMN totals jsonb;
