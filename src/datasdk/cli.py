"""`datasdk db upgrade|downgrade|current|history|revision|check`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from datasdk import migrate, project
from datasdk.config import TOKEN_ENV, URL_ENV
from datasdk.database import Database, connect
from datasdk.errors import DataSDKError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="datasdk", description="datasdk command line")
    groups = parser.add_subparsers(dest="group", required=True)
    db = groups.add_parser("db", help="migrations and schema checks")
    commands = db.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument(
            "--url", help=f"database URL (default: ${URL_ENV}, else a SQLite file here)"
        )
        sub.add_argument("--auth-token", help=f"libSQL auth token (default: ${TOKEN_ENV})")
        sub.add_argument(
            "--path",
            type=Path,
            help=f"the application's revisions directory (default: ${project.MIGRATIONS_ENV}, "
            "else `migrations` under [tool.datasdk] in pyproject.toml)",
        )
        sub.add_argument(
            "--metadata",
            help="the application's MetaData as module:attribute "
            f"(default: ${project.METADATA_ENV}, else `metadata` under [tool.datasdk])",
        )
        return sub

    command("upgrade", "upgrade to REVISION (default: heads, the application's too)").add_argument(
        "revision", nargs="?", default="heads"
    )
    command("downgrade", "downgrade to REVISION (e.g. base, -1)").add_argument("revision")
    command("current", "show the database's revision")
    command("history", "list the revisions")
    revision = command("revision", "create a new revision file")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true")
    command("check", "compare the live schema with the logical schema")
    return parser


async def _run(args: argparse.Namespace) -> int:
    app = project.resolve(versions=args.path, metadata=args.metadata)
    if args.command == "history":
        print(_history(app), end="")
        return 0
    async with connect(
        args.url, auth_token=args.auth_token, metadata=app.metadata, migrations=app.versions
    ) as database:
        return await _with_database(database, args)


def _history(app: project.AppMigrations) -> str:
    # History needs no database: read the scripts only.
    from io import StringIO

    from alembic import command

    cfg = migrate.alembic_config([app.versions] if app.versions else ())
    cfg.stdout = StringIO()
    command.history(cfg)
    return str(cfg.stdout.getvalue())


async def _with_database(database: Database, args: argparse.Namespace) -> int:
    if args.command == "upgrade":
        await database.migrate(args.revision)
        print(f"at revision {' '.join(await migrate.heads(database))}")
    elif args.command == "downgrade":
        await database.downgrade(args.revision)
        print(f"at revision {' '.join(await migrate.heads(database)) or 'base'}")
    elif args.command == "current":
        print(" ".join(await migrate.heads(database)) or "base (no revision applied)")
    elif args.command == "revision":
        print(
            await migrate.revision(database, args.message, autogenerate=args.autogenerate), end=""
        )
    elif args.command == "check":
        problems = await database.check()
        if problems:
            print(f"schema drift on {database.config.display_url}:")
            for problem in problems:
                print(f"  - {problem}")
            return 1
        print("schema matches the logical schema")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except DataSDKError as exc:
        # One line, never a traceback: the message says what to do (a missing extra names
        # its pip command); a driver's multi-line text is folded onto that line.
        print(f"datasdk: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
