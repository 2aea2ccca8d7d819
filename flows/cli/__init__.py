"""The ``anq`` command: a thin layer over the flows and the read-only queries.

Each command's options come from the options table (``flows.config``): a
command shows and takes only the rows that name it. Commands that fetch or
load do a flow's work and record it as a Prefect flow run
(``flows.cli.running``); ``stats``, ``export`` and ``report`` never start
Prefect, so they start instantly. Exit status: 0 when
the run completed (pages recorded as failures included), 1 when the run
itself failed (e.g. a drift alarm), 2 for a bad option, 3 when the database
is held by another run, 4 when the base URL does not answer at start.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

import click

from flows.cli.checks import check_archive, check_db, origin
from flows.cli.errors import EXIT_FAILED, EXIT_LOCKED, EXIT_UNREACHABLE, EXIT_USAGE, Fail
from flows.config import LOADING, OPTIONS, ConfigError, Settings, options_for
from flows.config_resolve import resolve

HELP = """\
anq keeps a DuckDB warehouse of the French Assemblée nationale's parliamentary
questions, read from the Assembly's web site politely (one request a second by
default). Run `anq sync` every night to add the new questions and refresh the
open ones; `anq backfill` fetches a whole legislature once; `anq stats` says
what the warehouse holds and how the last runs went; `anq export` and `anq
report` turn it into files and charts. Every option has an ANQ_* environment
variable (see `anq COMMAND --help`), and the warehouse is data/anq.duckdb
unless --db or ANQ_DB says otherwise.
"""

__all__ = ["EXIT_FAILED", "EXIT_LOCKED", "EXIT_UNREACHABLE", "EXIT_USAGE", "anq", "main"]

CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 80}


@click.group(context_settings=CONTEXT, help=HELP)
@click.version_option(package_name="anq", prog_name="anq", message="%(prog)s %(version)s")
def anq() -> None:
    """The group; each command below does the work."""


def command(name: str, summary: str) -> Callable[[Callable[..., int]], click.Command]:
    """A subcommand with its rows of the options table and ``--json``."""

    def decorate(fn: Callable[..., int]) -> click.Command:
        cmd = anq.command(name, help=summary, short_help=summary.split(".")[0])(fn)
        for key, row in options_for(name).items():
            assert row.flag is not None
            cmd.params.append(
                click.Option(
                    [row.flag, key],
                    metavar=row.metavar,
                    multiple=row.repeat,
                    help=row.describe(name),
                )
            )
        cmd.params.append(
            click.Option(["--json", "as_json"], is_flag=True, help="print one JSON object")
        )
        return cmd

    return decorate


def settings_for(name: str, flags: dict[str, Any]) -> Settings:
    """Resolve and check a command's options; raises :class:`ConfigError`."""
    settings = resolve({key: value or None for key, value in flags.items()}, command=name)
    check_paths(name, settings, flags)
    return settings


def check_paths(name: str, settings: Settings, flags: dict[str, Any]) -> None:
    """Refuse a ``--db`` or ``--archive`` the command cannot use; raises :class:`ConfigError`."""
    writing = name in LOADING
    check_db(settings.db, origin(OPTIONS["db"], flags.get("db")), writing=writing)
    if writing:
        check_archive(settings.archive, origin(OPTIONS["archive"], flags.get("archive")))


@command("sync", "The nightly job: discover new questions, refresh the open ones that are due "
         "and retry earlier failures, for the configured legislatures and types.")  # fmt: skip
@click.option("--all-open", is_flag=True, help="refresh every open question, due or not")
@click.option("--opendata", "with_opendata", is_flag=True,
              help="first load the open-data archives, as the nightly deployment does")  # fmt: skip
def sync(all_open: bool, with_opendata: bool, as_json: bool, **flags: Any) -> int:
    from flows.cli.running import run_flow

    settings = settings_for("sync", flags)
    params = {"all_open": all_open, "opendata": with_opendata}
    return run_flow("sync", params, settings, as_json=as_json)


@command("backfill", "Fetch a whole range of numbers of one legislature; resumable.")
@click.option("--from-number", type=int, metavar="A", help="first number (default 1)")
@click.option("--to-number", type=int, metavar="B", help="last number (default: until misses)")
@click.option("--latest", type=int, metavar="N", help="only the N highest numbers")
def backfill(
    from_number: int | None, to_number: int | None, latest: int | None, as_json: bool,
    **flags: Any,
) -> int:  # fmt: skip
    from flows.cli.running import run_flow

    settings = settings_for("backfill", flags)
    given = flags["legislatures"] or os.environ.get(str(OPTIONS["legislatures"].env))
    if len(settings.legislatures) != 1 or not given:
        raise ConfigError("backfill takes exactly one --legislature N")
    params = {"legislature": settings.legislatures[0], "from_number": from_number,
              "to_number": to_number, "latest": latest}  # fmt: skip
    return run_flow("backfill", params, settings, as_json=as_json)


@command("fetch", "Fetch and load the named questions now, due or not.")
@click.argument("uids", nargs=-1, required=True, metavar="UID...")
@click.option("--force", is_flag=True, help="no conditional request: download again")
def fetch(uids: tuple[str, ...], force: bool, as_json: bool, **flags: Any) -> int:
    from extractors.uid import InvalidUid, parse_uid
    from flows.cli.running import direct_client, run_flow

    try:
        parsed = [str(parse_uid(uid)) for uid in uids]
    except InvalidUid as err:
        raise ConfigError(str(err)) from None
    settings = resolve({key: value or None for key, value in flags.items()}, command="fetch")
    # robots.txt before the paths' checks, which load DuckDB: the set-up overlaps the
    # pacer's wait for the page (checks still come before anything is written)
    client = direct_client("fetch", settings)
    try:
        check_paths("fetch", settings, flags)
    except BaseException:
        if client is not None:
            client.close()
        raise
    params = {"uids": parsed, "force": force}
    return run_flow("fetch", params, settings, as_json=as_json, client=client)


@command("opendata", "Load the Assembly's open-data archives: add the questions the "
         "warehouse lacks, make changed pages due, and compare both sources.")  # fmt: skip
def opendata(as_json: bool, **flags: Any) -> int:
    from flows.cli.running import run_flow

    settings = settings_for("opendata", flags)
    return run_flow("opendata", {}, settings, as_json=as_json, site=settings.opendata_url)


@command("reparse", "Re-extract every archived raw page with the current extractor; "
         "no network.")  # fmt: skip
def reparse(as_json: bool, **flags: Any) -> int:
    from flows.cli.running import run_flow

    settings = settings_for("reparse", flags)
    if len(flags["legislatures"]) > 1:
        raise ConfigError("reparse takes at most one --legislature N")
    legislature = settings.legislatures[0] if flags["legislatures"] else None
    params = {"legislature": legislature}
    return run_flow("reparse", params, settings, as_json=as_json, network=False)


@command("stats", "What the warehouse holds and how the last runs went.")
def stats(as_json: bool, **flags: Any) -> int:
    from flows.cli.console import show_stats

    return show_stats(settings_for("stats", flags), as_json=as_json)


@command("export", "The public tables and views as Parquet or CSV files.")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet",
              show_default=True, help="file format")  # fmt: skip
@click.option("--out", required=True, metavar="DIR", help="directory to write")
def export(fmt: str, out: str, as_json: bool, **flags: Any) -> int:
    from flows.cli.console import run_export

    return run_export(settings_for("export", flags), fmt, out, as_json=as_json)


@command("report", "A static HTML page of charts built from the warehouse.")
@click.option("--out", required=True, metavar="DIR", help="directory to write")
def report(out: str, as_json: bool, **flags: Any) -> int:
    from flows.cli.console import run_report

    return run_report(settings_for("report", flags), out, as_json=as_json)


@command("compact", "Copy the warehouse into a fresh file and swap it in, giving back the "
         "space DuckDB keeps after deletes; refused while a run holds the file.")  # fmt: skip
def compact(as_json: bool, **flags: Any) -> int:
    from flows.cli.upkeep import run_compact

    return run_compact(settings_for("compact", flags), as_json=as_json)


@command("verify-archive", "Check every archived page against its digest; "
         "rebuilds nothing.")  # fmt: skip
def verify_archive(as_json: bool, **flags: Any) -> int:
    from flows.cli.upkeep import run_verify

    return run_verify(settings_for("verify-archive", flags), as_json)


class _Stopped(BaseException):
    """SIGTERM or SIGHUP: unwind like Ctrl-C, so the run lock is let go."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``anq`` console script: every exit is one line, never a traceback."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    try:
        code = anq.main(args=list(argv) if argv is not None else None, prog_name="anq",
                        standalone_mode=False)  # fmt: skip
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except (click.Abort, KeyboardInterrupt):
        return _say(130, "interrupted")
    except _Stopped as err:
        return _say(128 + err.signum, f"stopped by {err}")
    except ConfigError as err:
        return _say(EXIT_USAGE, str(err))
    except Fail as err:
        return _say(err.code, str(err))
    except Exception as err:
        return _say(1, f"unexpected error: {type(err).__name__}: {err}")
    return code if isinstance(code, int) else 0


def _say(code: int, message: str) -> int:
    print(f"anq: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
