"""Repository interfaces (`typing.Protocol`); the implementation is reached as db.<name>."""

from __future__ import annotations

from datasdk.repositories.protocols import (
    AuditLogsRepository,
    DomainsRepository,
    ErrorLogsRepository,
    ReportsRepository,
    ScanJobsRepository,
    ScanModulesRepository,
    ScanResultsRepository,
    ScansRepository,
    UsersRepository,
    WalletsRepository,
)

__all__ = [
    "AuditLogsRepository",
    "DomainsRepository",
    "ErrorLogsRepository",
    "ReportsRepository",
    "ScanJobsRepository",
    "ScanModulesRepository",
    "ScanResultsRepository",
    "ScansRepository",
    "UsersRepository",
    "WalletsRepository",
]
