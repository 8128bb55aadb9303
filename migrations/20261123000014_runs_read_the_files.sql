-- Runs read the day's network files themselves (from object storage, checked against the
-- registry's size and SHA-256) instead of a copy of every record in PostgreSQL. The copy cost a
-- 10-million-record day a COPY and two index builds at ingestion and a full read back in every
-- run (~50 s of the database's time on two cores), for one use: the item detail page. An item
-- now carries the record fields that page shows; the file stays the record of what was sent.
ALTER TABLE recon_item ADD COLUMN kind text, ADD COLUMN merchant_category integer, ADD COLUMN reason_code text;
UPDATE recon_item i SET kind = r.kind, merchant_category = r.merchant_category, reason_code = r.reason_code
FROM network_record r
WHERE r.feed_file_id = i.feed_file_id AND r.record_number = i.record_number;
DROP TABLE network_record;

-- Matches are ~98% of a day: a page of them is read from the primary key in report order with
-- almost nothing skipped, so only exceptions need their own class index (a full one took one of
-- a run's index builds over every item).
DROP INDEX recon_item_class;
CREATE INDEX recon_item_exception_class ON recon_item (run_id, class, seq) WHERE class <> 'match';
