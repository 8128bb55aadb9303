-- Every inbound file, once: where it came from, for which business date, its size and SHA-256,
-- and what became of it. The same bytes delivered again (under another name) are recorded as a
-- duplicate of the first delivery and never loaded twice.
CREATE TABLE feed_file (
    id            bigserial   PRIMARY KEY,
    source        text        NOT NULL CHECK (source IN ('visa', 'mastercard', 'zelle')),
    object_key    text        NOT NULL CHECK (length(object_key) BETWEEN 1 AND 1024),
    business_date date        NOT NULL,
    size_bytes    bigint      NOT NULL CHECK (size_bytes >= 0),
    sha256        bytea       NOT NULL CHECK (length(sha256) = 32),
    status        text        NOT NULL CHECK (status IN ('received', 'parsed', 'quarantined', 'duplicate')),
    duplicate_of  bigint      REFERENCES feed_file (id),
    error         text,
    transactions  bigint      CHECK (transactions >= 0),
    issues        bigint      CHECK (issues >= 0),
    received_at   timestamptz NOT NULL DEFAULT now(),
    processed_at  timestamptz,
    CHECK ((status = 'duplicate') = (duplicate_of IS NOT NULL))
);

-- One first delivery per content and source; one row per object whatever its fate.
CREATE UNIQUE INDEX feed_file_first_delivery ON feed_file (source, sha256) WHERE status <> 'duplicate';
CREATE UNIQUE INDEX feed_file_object ON feed_file (object_key, sha256);
CREATE INDEX feed_file_by_date ON feed_file (business_date, source);
