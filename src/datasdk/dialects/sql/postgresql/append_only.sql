-- Events in the order PostgreSQL prints them (INSERT, DELETE, UPDATE), so `db check`
-- can compare the live definition with this one.
-- append_only: rows are never changed or removed, except by ON DELETE CASCADE
-- once their parent row is gone.
CREATE FUNCTION fn_{ident}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Depth > 1: called from a trigger (the cascade below, or the foreign key's own),
    -- never from a client statement.
    IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 AND {parent_gone} THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'DS001', MESSAGE = '{token}', TABLE = '{table}';
END
$$
-- statement
CREATE TRIGGER trg_{ident} BEFORE DELETE OR UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION fn_{ident}()
-- statement
CREATE TRIGGER trg_{ident}_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION fn_{ident}()
-- statement
-- An INSERT that collides with a key fails whatever its ON CONFLICT clause, as on
-- SQLite, where INSERT OR REPLACE would otherwise overwrite the row.
CREATE FUNCTION fn_{ident}_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{key_checks}
    RETURN NEW;
END
$$
-- statement
CREATE TRIGGER trg_{ident}_keys BEFORE INSERT ON {table}
    FOR EACH ROW EXECUTE FUNCTION fn_{ident}_keys()
{cascade}