DROP TRIGGER IF EXISTS trg_credit_transactions_ledger
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_credit_transactions_ledger_open
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_credit_transactions_ledger_balance
-- datasdk:statement-end
ALTER TABLE wallets ADD COLUMN last_transaction_id VARCHAR(36) CONSTRAINT ty_wallets_last_transaction_id CHECK (last_transaction_id IS NULL OR (typeof(last_transaction_id) = 'text' AND last_transaction_id GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'))
-- datasdk:statement-end
DROP TRIGGER IF EXISTS trg_wallets_touch
-- datasdk:statement-end
UPDATE wallets SET last_transaction_id = (SELECT id FROM credit_transactions WHERE wallet_id = wallets.id ORDER BY rowid DESC LIMIT 1)
-- datasdk:statement-end
CREATE TRIGGER trg_wallets_touch AFTER UPDATE ON wallets FOR EACH ROW WHEN NEW.updated_at IS NOT strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') BEGIN UPDATE wallets SET updated_at = strftime('%Y-%m-%dT%H:%M:%f000Z', 'now') WHERE rowid = NEW.rowid; END
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_ledger AFTER INSERT ON credit_transactions FOR EACH ROW BEGIN UPDATE wallets SET credit_balance = credit_balance + NEW.amount, last_transaction_id = NEW.id WHERE id = NEW.wallet_id; END
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_ledger_open BEFORE INSERT ON wallets FOR EACH ROW WHEN (NEW.credit_balance IS NULL OR (typeof(NEW.credit_balance) = 'integer')) AND (NEW.credit_balance <> (SELECT coalesce(sum(amount), 0) FROM credit_transactions WHERE wallet_id = NEW.id) OR NEW.last_transaction_id IS NOT (SELECT id FROM credit_transactions WHERE wallet_id = NEW.id ORDER BY rowid DESC LIMIT 1)) BEGIN SELECT RAISE(ABORT, 'datasdk:ledger:wallets'); END
-- datasdk:statement-end
CREATE TRIGGER trg_credit_transactions_ledger_balance BEFORE UPDATE OF credit_balance, last_transaction_id ON wallets FOR EACH ROW WHEN (NEW.credit_balance IS NULL OR (typeof(NEW.credit_balance) = 'integer')) AND (NEW.credit_balance IS NOT OLD.credit_balance OR NEW.last_transaction_id IS NOT OLD.last_transaction_id) AND NOT coalesce((SELECT NEW.credit_balance = OLD.credit_balance + entry.amount AND (OLD.last_transaction_id IS NULL OR entry.rowid > (SELECT rowid FROM credit_transactions WHERE id = OLD.last_transaction_id)) FROM credit_transactions AS entry WHERE entry.id = NEW.last_transaction_id AND entry.wallet_id = NEW.id AND entry.wallet_id = OLD.id), 0) BEGIN SELECT RAISE(ABORT, 'datasdk:ledger:wallets'); END
-- datasdk:statement-end
