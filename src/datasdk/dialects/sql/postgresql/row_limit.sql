-- At most {limit} rows per parent. A COUNT alone races under READ COMMITTED (two
-- inserts each see {limit} - 1 rows): locking the parent row first queues them, and
-- the count taken after the lock sees every row committed before it.
CREATE FUNCTION fn_{ident}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.{column} IS NOT DISTINCT FROM OLD.{column} THEN
        RETURN NEW;
    END IF;
    PERFORM 1 FROM {parent_table} WHERE {parent_key} = NEW.{column} FOR NO KEY UPDATE;
    IF (SELECT count(*) FROM {table} WHERE {column} = NEW.{column}) >= {limit} THEN
        RAISE EXCEPTION USING ERRCODE = 'DS002', MESSAGE = '{token}', TABLE = '{table}';
    END IF;
    RETURN NEW;
END
$$
-- statement
CREATE TRIGGER trg_{ident} BEFORE INSERT OR UPDATE OF {column} ON {table}
    FOR EACH ROW EXECUTE FUNCTION fn_{ident}()
