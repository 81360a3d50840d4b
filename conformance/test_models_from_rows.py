"""Rows become models without re-validation: the same models validation would build."""

from __future__ import annotations

import pytest

import datasdk
from datasdk.schema import metadata
from support import fill_every_table

MODELS: dict[str, type[datasdk.OutputModel]] = {
    "users": datasdk.User,
    "wallets": datasdk.Wallet,
    "scan_jobs": datasdk.ScanJob,
    "credit_transactions": datasdk.CreditTransaction,
    "scan_results": datasdk.ScanResult,
    "audit_logs": datasdk.AuditEntry,
    "domains": datasdk.Domain,
    "scans": datasdk.Scan,
    "scan_modules": datasdk.ScanModule,
    "reports": datasdk.Report,
    "error_logs": datasdk.ErrorLog,
}


async def test_every_models_rows_equal_their_validated_models(database: datasdk.Database) -> None:
    await fill_every_table(database)
    assert set(MODELS) == set(metadata.tables)
    for table, model in MODELS.items():
        rows = (await database.execute(metadata.tables[table].select())).rows
        assert rows, table
        for row in rows:
            built, validated = model.from_row(row), model.model_validate(row)
            assert built == validated, table
            assert {k: type(v) for k, v in built} == {k: type(v) for k, v in validated}, table


@pytest.mark.parametrize("model", sorted(MODELS.values(), key=lambda m: m.__name__))
def test_models_are_frozen(model: type[datasdk.OutputModel]) -> None:
    assert model.model_config.get("frozen") is True
