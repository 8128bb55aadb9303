-- Alerts for operations: each condition worth waking someone for (a feed late or quarantined, a
-- run failed, a work item past its service level, an approval waiting too long) is raised once,
-- under a key naming the condition, and delivered to the webhook and by mail. The table is the
-- outbox: raising and delivering are separate steps, so a crash between them neither loses an
-- alert nor (beyond a retried delivery, which receivers tell apart by the alert's id) repeats it.
CREATE TABLE alert (
    id                   bigserial   PRIMARY KEY,
    key                  text        NOT NULL UNIQUE,
    kind                 text        NOT NULL CHECK (kind IN ('feed_late', 'feed_quarantined', 'run_failed',
                                                              'sla_breached', 'approval_waiting')),
    summary              text        NOT NULL,
    details              jsonb       NOT NULL DEFAULT '{}',
    raised_at            timestamptz NOT NULL DEFAULT now(),
    -- Each channel is delivered on its own; NULL until it has been (or when it is not configured
    -- at delivery time, it stays NULL and is tried when it is).
    webhook_delivered_at timestamptz,
    mail_delivered_at    timestamptz,
    -- A replica delivering holds the alert until then, so two do not send it at once.
    claimed_until        timestamptz,
    attempts             integer     NOT NULL DEFAULT 0,
    last_error           text
);
CREATE INDEX alert_undelivered ON alert (id) WHERE webhook_delivered_at IS NULL OR mail_delivered_at IS NULL;
