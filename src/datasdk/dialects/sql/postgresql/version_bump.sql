-- version_bump: an UPDATE must raise the version by exactly one. Checked, not set,
-- so that SQLite (where a trigger cannot set NEW) behaves the same.
CREATE FUNCTION fn_{ident}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.{column} IS DISTINCT FROM OLD.{column} + 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'DS005', MESSAGE = '{token}', TABLE = '{table}';
    END IF;
    RETURN NEW;
END
$$
-- statement
CREATE TRIGGER trg_{ident} BEFORE UPDATE OF {columns} ON {table}
    FOR EACH ROW EXECUTE FUNCTION fn_{ident}()
