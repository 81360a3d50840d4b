-- touch_updated_at: whoever writes the row, the database sets the time. An explicit
-- NULL fails as the NOT NULL column would, as it does on SQLite.
CREATE FUNCTION fn_{ident}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.{column} IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23502', TABLE = '{table}', COLUMN = '{column}',
            MESSAGE = 'null value in column "{column}" of relation "{table}"';
    END IF;
    NEW.{column} := statement_timestamp();
    RETURN NEW;
END
$$
-- statement
CREATE TRIGGER trg_{ident} BEFORE UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION fn_{ident}()
