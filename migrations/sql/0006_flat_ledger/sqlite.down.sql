DROP TRIGGER IF EXISTS trg_credit_transactions_ledger
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_credit_transactions_ledger_open
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_credit_transactions_ledger_balance
-- datasdk:statement-end
ALTER TABLE wallets DROP COLUMN last_transaction_id
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_ledger AFTER INSERT ON credit_transactions FOR EACH ROW BEGIN UPDATE wallets SET credit_balance = credit_balance + NEW.amount WHERE id = NEW.wallet_id; END
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_ledger_open BEFORE INSERT ON wallets FOR EACH ROW WHEN (NEW.credit_balance IS NULL OR (typeof(NEW.credit_balance) = 'integer')) AND NEW.credit_balance <> (SELECT coalesce(sum(amount), 0) FROM credit_transactions WHERE wallet_id = NEW.id) BEGIN SELECT RAISE(ABORT, 'datasdk:ledger:wallets'); END
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_ledger_balance BEFORE UPDATE OF credit_balance ON wallets FOR EACH ROW WHEN (NEW.credit_balance IS NULL OR (typeof(NEW.credit_balance) = 'integer')) AND NEW.credit_balance IS NOT (SELECT coalesce(sum(amount), 0) FROM credit_transactions WHERE wallet_id = NEW.id) BEGIN SELECT RAISE(ABORT, 'datasdk:ledger:wallets'); END
-- datasdk:statement-end
