-- The exception queue's counts, kept as the queue changes (issue 20). The queue page said
-- "1–50 of N" by counting every item its filter holds, each time it was shown: on a day with
-- 209,460 open exceptions that count took 50 ms, and with 50 people on the queue the page took
-- 1.3 s (p95).
--
-- Each statement that changes work items appends, in its own transaction, how many items each
-- (status, date, reason, owner) gained or lost: a filter's total is the sum of its groups' rows.
-- Appended, never updated: a count kept in one row per group would be locked by every change to
-- its group until that change commits, so a run re-opening a day's items would hold associates
-- up, and two transactions touching two groups in different orders would deadlock (a review
-- found both). Housekeeping folds each group's rows into one (`exceptions::fold_tally`).
--
-- `owner_person` 0 for nobody.
CREATE TABLE work_item_tally (
    status        text   NOT NULL,
    business_date date   NOT NULL,
    reason        text   NOT NULL,
    owner_person  bigint NOT NULL,
    items         bigint NOT NULL
);
CREATE INDEX work_item_tally_group ON work_item_tally (status, business_date, reason, owner_person);

-- No item changes between the first count and the triggers that count every change after it.
LOCK TABLE work_item IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO work_item_tally (status, business_date, reason, owner_person, items)
SELECT status, business_date, reason, coalesce(owner_person, 0), count(*)
FROM work_item GROUP BY 1, 2, 3, 4;

-- Statement-level, with the statement's rows as transition tables: a run that opens 200,000 items
-- appends one row per group it changed, not 200,000.
CREATE FUNCTION work_item_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO work_item_tally (status, business_date, reason, owner_person, items)
        SELECT status, business_date, reason, coalesce(owner_person, 0), count(*) FROM new_rows GROUP BY 1, 2, 3, 4;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO work_item_tally (status, business_date, reason, owner_person, items)
        SELECT status, business_date, reason, owner_person, sum(change)
        FROM (SELECT status, business_date, reason, coalesce(owner_person, 0) AS owner_person, -1 AS change FROM old_rows
              UNION ALL
              SELECT status, business_date, reason, coalesce(owner_person, 0), 1 FROM new_rows) c
        GROUP BY 1, 2, 3, 4 HAVING sum(change) <> 0;
    ELSE
        INSERT INTO work_item_tally (status, business_date, reason, owner_person, items)
        SELECT status, business_date, reason, coalesce(owner_person, 0), -count(*) FROM old_rows GROUP BY 1, 2, 3, 4;
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

-- Work items are never emptied wholesale; should they be, the tally would say what was there.
CREATE FUNCTION work_item_tally_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'work_item is not truncated: its tally (work_item_tally) would no longer count it';
END
$$;
CREATE TRIGGER work_item_no_truncate BEFORE TRUNCATE ON work_item
    FOR EACH STATEMENT EXECUTE FUNCTION work_item_tally_refuse_truncate();
