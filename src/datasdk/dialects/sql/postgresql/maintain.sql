-- touch_updated_at and version_bump: whoever writes the row, the database sets these.
CREATE FUNCTION fn_{ident}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{assignments}
    RETURN NEW;
END
$$
-- statement
CREATE TRIGGER trg_{ident} BEFORE UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION fn_{ident}()
