-- The server's roles may not write functions. settledesk_bulk owns the tables a run rebuilds, and
-- an owner may put a trigger on its table: with a function of its own, that trigger would run with
-- the rights of whoever next changes the table (the owner, in a migration) and could switch the
-- audit trail's guards off. Without USAGE on a language no function can be written (C and the
-- other untrusted languages are a superuser's only), so no such trigger either. The owner keeps
-- the languages its migrations use.
--
-- Language privileges can be changed by a superuser only. A bank whose migration owner is not one
-- has its DBA run the same three statements once (docs/operations.md); in production `serve`
-- refuses to start while its role could write a function.
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC;
        REVOKE USAGE ON LANGUAGE sql FROM PUBLIC;
        EXECUTE format('GRANT USAGE ON LANGUAGE plpgsql, sql TO %I', current_user);
    ELSE
        RAISE NOTICE 'not a superuser: the DBA must REVOKE USAGE ON LANGUAGE plpgsql, sql FROM PUBLIC';
    END IF;
END
$$;
