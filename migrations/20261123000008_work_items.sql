-- Exceptions as work: every mismatch and resettlement a run reports becomes a work item, once.
--
-- An item is about a network record (its file and record number) or, for a Zelle payment with no
-- record, the payment: that subject is stable across re-runs and later dates, so a re-run or a
-- payment reported again while it stays unsettled refreshes the item's latest report (run_id, seq)
-- and never opens a second one. Status, owner and notes belong to the work, not to a run.
CREATE TABLE work_item (
    id             bigserial   PRIMARY KEY,
    subject        text        NOT NULL UNIQUE,
    business_date  date        NOT NULL,
    class          text        NOT NULL CHECK (class IN ('mismatch', 'resettlement')),
    reason         text        NOT NULL,
    amount_minor   bigint      NOT NULL,
    currency       text        NOT NULL,
    -- The latest run that reported the subject, and its item there.
    run_id         bigint      NOT NULL REFERENCES recon_run (id),
    seq            bigint      NOT NULL,
    status         text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'resolved')),
    owner          text,
    resolution     text,
    opened_at      timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     text,
    resolved_at    timestamptz,
    -- Optimistic concurrency: every change names the version it saw and bumps it.
    version        integer     NOT NULL DEFAULT 1,
    CHECK ((status = 'resolved') = (resolution IS NOT NULL AND resolved_at IS NOT NULL))
);
CREATE INDEX work_item_queue ON work_item (status, business_date, id);
CREATE INDEX work_item_owner ON work_item (owner, status, id);
CREATE INDEX work_item_run ON work_item (run_id, seq);

CREATE TABLE work_item_note (
    id           bigserial   PRIMARY KEY,
    work_item_id bigint      NOT NULL REFERENCES work_item (id),
    author       text        NOT NULL,
    written_at   timestamptz NOT NULL DEFAULT now(),
    body         text        NOT NULL CHECK (length(body) BETWEEN 1 AND 4000)
);
CREATE INDEX work_item_note_by_item ON work_item_note (work_item_id, id);
