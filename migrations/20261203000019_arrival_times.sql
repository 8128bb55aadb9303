-- When a file landed in the inbound store (the object's last-modified time), beside when it was
-- taken in (`received_at`, now written by the watcher within a minute of arrival). Rows from
-- before only know the latter.
ALTER TABLE feed_file ADD COLUMN arrived_at timestamptz;

-- When each source's file of business date D is due, in the bank's operating time zone: on
-- D + `expected_days_after`, by `expected_by`. The Zelle extract comes on the date itself after
-- its cutoff; network clearing files for D come the next morning by design. A file that arrives
-- later is late; none by then is missing.
ALTER TABLE source_setting
    ADD COLUMN expected_days_after smallint NOT NULL DEFAULT 0 CHECK (expected_days_after BETWEEN 0 AND 7),
    ADD COLUMN expected_by time NOT NULL DEFAULT '23:59';
INSERT INTO source_setting (source, strict, updated_by, expected_days_after, expected_by) VALUES
    ('visa', false, 'system', 1, '08:00'),
    ('mastercard', false, 'system', 1, '08:00'),
    ('zelle', false, 'system', 0, '20:00')
ON CONFLICT (source) DO UPDATE SET expected_days_after = EXCLUDED.expected_days_after,
                                   expected_by = EXCLUDED.expected_by;
