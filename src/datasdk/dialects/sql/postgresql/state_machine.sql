-- A state machine: rows start in the initial state and move only along listed edges.
CREATE FUNCTION fn_{ident}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.{column} IS DISTINCT FROM '{initial}' THEN
            RAISE EXCEPTION USING ERRCODE = 'DS003', MESSAGE = '{token}', TABLE = '{table}';
        END IF;
    ELSIF NEW.{column} IS DISTINCT FROM OLD.{column}
        AND (OLD.{column}, NEW.{column}) NOT IN (VALUES {transitions}) THEN
        RAISE EXCEPTION USING ERRCODE = 'DS003', MESSAGE = '{token}', TABLE = '{table}';
    END IF;
    RETURN NEW;
END
$$
-- statement
CREATE TRIGGER trg_{ident} BEFORE INSERT OR UPDATE OF {column} ON {table}
    FOR EACH ROW EXECUTE FUNCTION fn_{ident}()
