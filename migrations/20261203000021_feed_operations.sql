-- Feed operations in the portal (the Feeds page): what admins do about a day's files.

-- A quarantined file released by its corrected replacement, uploaded by an admin under a key of
-- its own beside it. The original stays as it came (status `quarantined`, its reason kept); once
-- the replacement is loaded, the original no longer holds the day's control totals open.
ALTER TABLE feed_file
    ADD COLUMN replaced_by_key text CHECK (length(replaced_by_key) BETWEEN 1 AND 1024),
    ADD COLUMN released_by     text,
    ADD COLUMN released_at     timestamptz,
    ADD COLUMN release_reason  text CHECK (length(release_reason) BETWEEN 5 AND 500),
    ADD CHECK ((replaced_by_key IS NULL) = (released_by IS NULL)),
    ADD CHECK (replaced_by_key IS NULL OR status = 'quarantined');

-- A source an admin said will send nothing for a date (a network's holiday, a file that will
-- never come): not missing, and the date's first run does not wait for it.
CREATE TABLE source_not_expected (
    business_date date        NOT NULL,
    source        text        NOT NULL CHECK (source IN ('visa', 'mastercard', 'zelle')),
    reason        text        NOT NULL CHECK (length(reason) BETWEEN 5 AND 500),
    marked_by     text        NOT NULL,
    marked_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (business_date, source)
);

-- A re-run of a date an admin asked for, with the reason. A scheduler runs it (a new version)
-- and records which run answered it, or why it could not. One open request per date: a second
-- press of the button is the same request.
CREATE TABLE run_request (
    id            bigserial   PRIMARY KEY,
    business_date date        NOT NULL,
    reason        text        NOT NULL CHECK (length(reason) BETWEEN 5 AND 500),
    requested_by  text        NOT NULL,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    run_id        bigint      REFERENCES recon_run (id),
    failed        text,
    done_at       timestamptz,
    CHECK ((done_at IS NULL) = (run_id IS NULL AND failed IS NULL))
);
CREATE UNIQUE INDEX run_request_open ON run_request (business_date) WHERE done_at IS NULL;
