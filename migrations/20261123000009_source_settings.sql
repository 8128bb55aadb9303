-- Per-source ingestion settings an admin can change. `strict`: a single bad record quarantines the
-- whole file instead of becoming an exception item. Sources without a row are lenient.
CREATE TABLE source_setting (
    source     text        PRIMARY KEY CHECK (source IN ('visa', 'mastercard', 'zelle')),
    strict     boolean     NOT NULL,
    updated_by text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
