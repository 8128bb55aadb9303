-- The exception queue's counts, kept as the queue changes (issue 20). The queue page said
-- "1–50 of N" by counting every item its filter holds, each time it was shown: on a day with
-- 209,460 open exceptions that count took 50 ms, and with 50 people on the queue the page took
-- 1.3 s (p95). Here each (status, date, reason, owner) keeps its number of items, changed by the
-- statement that changes the items, in its transaction: a filter's total is a sum over a few
-- hundred rows.
--
-- One row per group; `owner_person` 0 for nobody (a key column cannot be NULL).
CREATE TABLE work_item_tally (
    status        text   NOT NULL,
    business_date date   NOT NULL,
    reason        text   NOT NULL,
    owner_person  bigint NOT NULL,
    -- No CHECK (items >= 0): a change arrives as a signed delta through INSERT ... ON CONFLICT,
    -- and PostgreSQL checks the proposed row (-1) before it finds the conflict. The domain test
    -- `the_queue_tally_matches_a_count_whatever_changes_the_items` holds it to the count.
    items         bigint NOT NULL,
    PRIMARY KEY (status, business_date, reason, owner_person)
);

INSERT INTO work_item_tally (status, business_date, reason, owner_person, items)
SELECT status, business_date, reason, coalesce(owner_person, 0), count(*)
FROM work_item GROUP BY 1, 2, 3, 4;

-- Statement-level, with the statement's rows as transition tables: a run that opens 200,000 items
-- changes each group once, not 200,000 times. Groups are changed in key order, so two statements
-- that change the same groups queue instead of deadlocking.
CREATE FUNCTION work_item_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO work_item_tally AS t (status, business_date, reason, owner_person, items)
        SELECT status, business_date, reason, coalesce(owner_person, 0), count(*)
        FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (status, business_date, reason, owner_person) DO UPDATE SET items = t.items + EXCLUDED.items;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO work_item_tally AS t (status, business_date, reason, owner_person, items)
        SELECT status, business_date, reason, owner_person, sum(change)
        FROM (SELECT status, business_date, reason, coalesce(owner_person, 0) AS owner_person, -1 AS change FROM old_rows
              UNION ALL
              SELECT status, business_date, reason, coalesce(owner_person, 0), 1 FROM new_rows) c
        GROUP BY 1, 2, 3, 4 HAVING sum(change) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (status, business_date, reason, owner_person) DO UPDATE SET items = t.items + EXCLUDED.items;
    ELSE
        UPDATE work_item_tally t SET items = t.items - gone.items
        FROM (SELECT status, business_date, reason, coalesce(owner_person, 0) AS owner_person, count(*) AS items
              FROM old_rows GROUP BY 1, 2, 3, 4) gone
        WHERE (t.status, t.business_date, t.reason, t.owner_person)
            = (gone.status, gone.business_date, gone.reason, gone.owner_person);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER work_item_tally_insert AFTER INSERT ON work_item
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION work_item_tally_change();
CREATE TRIGGER work_item_tally_update AFTER UPDATE ON work_item
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION work_item_tally_change();
CREATE TRIGGER work_item_tally_delete AFTER DELETE ON work_item
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION work_item_tally_change();
