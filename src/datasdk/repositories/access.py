"""`db.<name>` and `tx.<name>`: the same repositories, bound to a unit per call or the caller's."""

from __future__ import annotations

from functools import cached_property

from datasdk.repositories import protocols as p
from datasdk.repositories._unit import Units
from datasdk.repositories.domains import SqlDomains
from datasdk.repositories.reports import SqlErrorLogs, SqlReports
from datasdk.repositories.results import SqlAuditLogs, SqlScanResults
from datasdk.repositories.scan_jobs import SqlScanJobs
from datasdk.repositories.scans import SqlScanModules, SqlScans
from datasdk.repositories.users import SqlUsers
from datasdk.repositories.wallets import SqlWallets


class RepositoryAccess:
    """The repositories of Database and Transaction; `units` says where their calls run."""

    def __init__(self, units: Units) -> None:
        self._repository_units = units

    @cached_property
    def users(self) -> p.UsersRepository:
        return SqlUsers(self._repository_units)

    @cached_property
    def wallets(self) -> p.WalletsRepository:
        return SqlWallets(self._repository_units)

    @cached_property
    def scan_jobs(self) -> p.ScanJobsRepository:
        return SqlScanJobs(self._repository_units)

    @cached_property
    def scan_results(self) -> p.ScanResultsRepository:
        return SqlScanResults(self._repository_units)

    @cached_property
    def audit_logs(self) -> p.AuditLogsRepository:
        return SqlAuditLogs(self._repository_units)

    @cached_property
    def domains(self) -> p.DomainsRepository:
        return SqlDomains(self._repository_units)

    @cached_property
    def scans(self) -> p.ScansRepository:
        return SqlScans(self._repository_units)

    @cached_property
    def scan_modules(self) -> p.ScanModulesRepository:
        return SqlScanModules(self._repository_units)

    @cached_property
    def reports(self) -> p.ReportsRepository:
        return SqlReports(self._repository_units)

    @cached_property
    def error_logs(self) -> p.ErrorLogsRepository:
        return SqlErrorLogs(self._repository_units)
