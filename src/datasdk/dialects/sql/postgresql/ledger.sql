-- The ledger: inserting a row moves the account's balance in the same statement, so
-- an overdraft fails on the balance's CHECK and nothing is written. The row also
-- becomes the account's last applied one, as on SQLite.
CREATE FUNCTION fn_{ident}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {account_table} SET {balance} = {balance} + NEW.{amount}, {applied} = NEW.{key}
        WHERE {account_key} = NEW.{account_column};
    RETURN NULL;
END
$$
-- statement
CREATE TRIGGER trg_{ident} AFTER INSERT ON {table}
    FOR EACH ROW EXECUTE FUNCTION fn_{ident}()
-- statement
-- ... and the balance moves no other way. A wallet (re)opens holding exactly what its
-- ledger says, its last applied row one of that ledger's (none while it is empty);
-- afterwards only the ledger trigger above (depth > 1) may change either.
-- (Comparing with the ledger's sum, as SQLite does, would fail here: PostgreSQL runs
-- AFTER ROW triggers at the end of the statement, when every new row is visible.)
CREATE FUNCTION fn_{ident}_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'INSERT' AND (NEW.{balance} <> (
            SELECT coalesce(sum({amount}), 0) FROM {table}
            WHERE {account_column} = NEW.{account_key})
        OR (NEW.{applied} IS NULL) = EXISTS (
            SELECT 1 FROM {table} WHERE {account_column} = NEW.{account_key})
        OR (NEW.{applied} IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM {table}
            WHERE {key} = NEW.{applied} AND {account_column} = NEW.{account_key}))))
        OR (TG_OP = 'UPDATE' AND (NEW.{balance} IS DISTINCT FROM OLD.{balance}
            OR NEW.{applied} IS DISTINCT FROM OLD.{applied})
            AND pg_trigger_depth() < 2) THEN
        RAISE EXCEPTION USING ERRCODE = 'DS004', MESSAGE = '{token}', TABLE = '{account_table}';
    END IF;
    RETURN NEW;
END
$$
-- statement
CREATE TRIGGER trg_{ident}_balance BEFORE INSERT OR UPDATE OF {balance}, {applied}
    ON {account_table} FOR EACH ROW EXECUTE FUNCTION fn_{ident}_balance()
