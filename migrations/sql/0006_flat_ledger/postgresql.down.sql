DROP FUNCTION IF EXISTS fn_credit_transactions_ledger() CASCADE
-- datasdk:statement-end
DROP FUNCTION IF EXISTS fn_credit_transactions_ledger_balance() CASCADE
-- datasdk:statement-end
ALTER TABLE wallets DROP COLUMN last_transaction_id
-- datasdk:statement-end
-- The ledger: inserting a row moves the account's balance in the same statement, so
-- an overdraft fails on the balance's CHECK and nothing is written.
CREATE FUNCTION fn_credit_transactions_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE wallets SET credit_balance = credit_balance + NEW.amount
        WHERE id = NEW.wallet_id;
    RETURN NULL;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_ledger AFTER INSERT ON credit_transactions
    FOR EACH ROW EXECUTE FUNCTION fn_credit_transactions_ledger()
-- datasdk:statement-end
-- ... and the balance moves no other way. A wallet (re)opens holding exactly what its
-- ledger says; afterwards only the ledger trigger above (depth > 1) may change it.
-- (Comparing with the ledger's sum, as SQLite does, would fail here: PostgreSQL runs
-- AFTER ROW triggers at the end of the statement, when every new row is visible.)
CREATE FUNCTION fn_credit_transactions_ledger_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'INSERT' AND NEW.credit_balance <> (
            SELECT coalesce(sum(amount), 0) FROM credit_transactions
            WHERE wallet_id = NEW.id))
        OR (TG_OP = 'UPDATE' AND NEW.credit_balance IS DISTINCT FROM OLD.credit_balance
            AND pg_trigger_depth() < 2) THEN
        RAISE EXCEPTION USING ERRCODE = 'DS004', MESSAGE = 'datasdk:ledger:wallets', TABLE = 'wallets';
    END IF;
    RETURN NEW;
END
$$
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_ledger_balance BEFORE INSERT OR UPDATE OF credit_balance ON wallets
    FOR EACH ROW EXECUTE FUNCTION fn_credit_transactions_ledger_balance()
-- datasdk:statement-end
ALTER TABLE credit_transactions ENABLE ALWAYS TRIGGER trg_credit_transactions_ledger
-- datasdk:statement-end
ALTER TABLE wallets ENABLE ALWAYS TRIGGER trg_credit_transactions_ledger_balance
-- datasdk:statement-end
