-- statement
-- The parent's ON DELETE CASCADE, again, as a trigger that fires ALWAYS: the foreign
-- key's own cascade is skipped under session_replication_role = replica, and rows
-- must never outlive their parent.
CREATE FUNCTION fn_{ident}_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {table} WHERE {column} = OLD.{key};
    RETURN NULL;
END
$$
-- statement
CREATE TRIGGER trg_{ident}_cascade AFTER DELETE ON {parent}
    FOR EACH ROW EXECUTE FUNCTION fn_{ident}_cascade()
