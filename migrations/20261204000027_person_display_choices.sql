-- A person's display choices (language, time zone), kept with them so that they follow the person
-- to any browser: sign-in restores them. Null: never chosen (the browser's language, the bank's
-- operating zone).
ALTER TABLE person
    ADD COLUMN language  text CHECK (language IN ('en', 'zh-CN')),
    ADD COLUMN time_zone text CHECK (length(time_zone) BETWEEN 1 AND 64);
