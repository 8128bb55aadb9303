-- When a business date closes: the cutoff wall-clock time in the bank's operating time zone.
-- One row only (the `singleton` key can only be true). The scheduler and the dashboard read it;
-- admins will edit it. Time zones are IANA names, validated by the application on write.
CREATE TABLE business_day_schedule (
    singleton    boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    time_zone    text        NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
    cutoff_local time        NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

INSERT INTO business_day_schedule (time_zone, cutoff_local) VALUES ('America/New_York', '18:00');
