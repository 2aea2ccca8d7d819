"""The ``anq`` command: a thin layer over the flows and the read-only queries.

Commands that fetch or load run a Prefect flow; ``stats``, ``export`` and
``report`` never import Prefect, so they start instantly. Exit status: 0 when
the run completed (pages recorded as failures included), 1 when the run
itself failed (e.g. a drift alarm), 2 for a bad option, 3 when the database
is held by another run, 4 when the base URL does not answer at start.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from flows.config import ConfigError, Settings, resolve

EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED, EXIT_UNREACHABLE = 1, 2, 3, 4


def build_parser() -> argparse.ArgumentParser:
    """Every command of CONTRACT.md, each with the common options after its name."""
    parser = argparse.ArgumentParser(prog="anq", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sync = _command(sub, "sync", "the nightly job: discover, refresh what is due, retry failures")
    sync.add_argument("--all-open", action="store_true", help="refresh every open question")
    back = _command(sub, "backfill", "fetch a whole range of numbers, resumable")
    back.add_argument("--from-number", type=int, metavar="A", help="first number (default 1)")
    back.add_argument(
        "--to-number", type=int, metavar="B", help="last number (default: until a run of misses)"
    )
    back.add_argument("--latest", type=int, metavar="N", help="only the N highest numbers")
    fetch = _command(sub, "fetch", "fetch and load the named questions now, due or not")
    fetch.add_argument("uids", nargs="+", metavar="UID", help="e.g. QANR5L16QE200")
    fetch.add_argument(
        "--force", action="store_true", help="no conditional request: download again"
    )
    od = _command(sub, "opendata", "load the open-data archives, add and make due what changed")
    od.add_argument(
        "--opendata-url",
        metavar="URL",
        help="where the archives are read (ANQ_OPENDATA_URL, "
        "default https://data.assemblee-nationale.fr)",
    )
    _command(sub, "reparse", "re-extract every archived raw page; no network")
    _command(sub, "stats", "what the warehouse holds and how the last runs went")
    export = _command(sub, "export", "the public tables and views as files")
    export.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    export.add_argument("--out", required=True, metavar="DIR")
    report = _command(sub, "report", "a static HTML page of charts")
    report.add_argument("--out", required=True, metavar="DIR")
    return parser


def _command(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    common = parser.add_argument_group("options every command takes")
    common.add_argument(
        "--db", metavar="PATH", help="DuckDB file (ANQ_DB, default data/anq.duckdb)"
    )
    common.add_argument("--base-url", metavar="URL", help="site root (ANQ_BASE_URL)")
    common.add_argument(
        "--rate",
        type=float,
        metavar="R",
        help="requests per second at most, 0 = no pacing (ANQ_RATE, default 1)",
    )
    common.add_argument(
        "--legislature",
        type=int,
        action="append",
        metavar="N",
        help="repeatable (ANQ_LEGISLATURES, default 17)",
    )
    common.add_argument(
        "--type",
        action="append",
        metavar="T",
        dest="types",
        help="QE, QG or QOSD, repeatable (ANQ_TYPES)",
    )
    common.add_argument(
        "--archive", metavar="DIR", help="raw page archive (ANQ_ARCHIVE, default <db>-raw/)"
    )
    common.add_argument(
        "--batch-size", type=int, metavar="N", help="pages per batch (ANQ_BATCH, default 200)"
    )
    common.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="fetch processes (ANQ_WORKERS; default one per core, at most 4, "
        "with --rate 0, else 1)",
    )
    common.add_argument(
        "--miss-run",
        type=int,
        metavar="N",
        help="misses that end discovery (ANQ_MISS_RUN, default 10)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``anq`` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = resolve(
            db=args.db,
            base_url=args.base_url,
            rate=args.rate,
            legislatures=args.legislature,
            types=args.types,
            archive=args.archive,
            batch_size=args.batch_size,
            miss_run=args.miss_run,
            workers=args.workers,
        )
        if args.command == "backfill" and (
            len(settings.legislatures) != 1
            or (not args.legislature and not os.environ.get("ANQ_LEGISLATURES"))
        ):
            raise ConfigError("backfill takes exactly one --legislature N")
    except ConfigError as err:
        return _fail(EXIT_USAGE, str(err))
    for key, value in PREFECT_DEFAULTS.items():  # before anything imports Prefect
        os.environ.setdefault(key, value)
    handler: Callable[[argparse.Namespace, Settings], int] = HANDLERS[args.command]
    return handler(args, settings)


def _fail(code: int, message: str) -> int:
    print(f"anq: {message}", file=sys.stderr)
    return code


def _flow_kwargs(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    return {
        "db": str(settings.db),
        "base_url": settings.base_url,
        "rate": settings.rate or 0.0,
        "archive": str(settings.archive),
        "batch_size": settings.batch_size,
        "workers": settings.workers,
    }


def _sync(args: argparse.Namespace, settings: Settings) -> int:
    kwargs = {
        **_flow_kwargs(args, settings),
        "legislatures": list(settings.legislatures),
        "types": list(settings.types),
        "all_open": args.all_open,
        "miss_run": settings.miss_run,
    }
    return _run_flow("sync", kwargs, settings, network=True)


def _backfill(args: argparse.Namespace, settings: Settings) -> int:
    kwargs = {
        **_flow_kwargs(args, settings),
        "legislature": settings.legislatures[0],
        "types": list(settings.types),
        "from_number": args.from_number,
        "to_number": args.to_number,
        "latest": args.latest,
        "miss_run": settings.miss_run,
    }
    return _run_flow("backfill", kwargs, settings, network=True)


def _fetch(args: argparse.Namespace, settings: Settings) -> int:
    from extractors.uid import InvalidUid, parse_uid

    try:
        uids = [str(parse_uid(uid)) for uid in args.uids]
    except InvalidUid as err:
        return _fail(EXIT_USAGE, str(err))
    kwargs = {**_flow_kwargs(args, settings), "uids": uids, "force": args.force}
    return _run_flow("fetch", kwargs, settings, network=True)


def _opendata(args: argparse.Namespace, settings: Settings) -> int:
    import dataclasses

    from flows.opendata import resolve_opendata_url

    try:
        url = resolve_opendata_url(args.opendata_url)
    except ConfigError as err:
        return _fail(EXIT_USAGE, str(err))
    kwargs = {
        "db": str(settings.db),
        "base_url": settings.base_url,
        "opendata_url": url,
        "rate": settings.rate or 0.0,
        "legislatures": list(settings.legislatures),
        "types": list(settings.types),
        "archive": str(settings.archive),
    }
    # The open-data host is the one that must answer at start, not the page site.
    return _run_flow("opendata", kwargs, dataclasses.replace(settings, base_url=url), network=True)


def _reparse(args: argparse.Namespace, settings: Settings) -> int:
    legislature = settings.legislatures[0] if args.legislature else None
    kwargs = {
        "db": str(settings.db),
        "archive": str(settings.archive),
        "legislature": legislature,
        "batch_size": settings.batch_size,
    }
    return _run_flow("reparse", kwargs, settings, network=False)


def _run_flow(name: str, kwargs: dict[str, Any], settings: Settings, *, network: bool) -> int:
    """Lock, check the site, then run the flow ``flows.<name>.<name>`` (imported only now)."""
    from flows.runner import hold_run_lock
    from warehouse.db import RunLocked

    try:
        with hold_run_lock(settings.db):
            if network:
                code = _check_reachable(settings)
                if code:
                    return code
            return _start(name, kwargs)
    except RunLocked as err:
        return _fail(EXIT_LOCKED, f"{settings.db} is being written by another anq run ({err})")


def _check_reachable(settings: Settings) -> int:
    from extractors.http.client import PoliteClient, Unreachable

    with PoliteClient(settings.base_url, rate=None) as client:
        try:
            client.check_reachable()
        except Unreachable as err:
            return _fail(EXIT_UNREACHABLE, str(err))
    return 0


#: Prefect settings the CLI defaults (a user's own environment wins): library logs
#: reach Prefect with their uids; the ephemeral API gets time to start on small
#: machines; no telemetry (the run has no business calling anyone but the site).
PREFECT_DEFAULTS = {
    "PREFECT_LOGGING_EXTRA_LOGGERS": "anq",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}


def _start(name: str, kwargs: dict[str, Any]) -> int:
    """Run the flow against a Prefect API (see :mod:`flows.api`) and print its summary.

    The temporary API, when one is needed, starts before the flow's module
    (and with it Prefect) is imported, so the two start-ups overlap.
    """
    from flows.api import prefect_api
    from flows.cli.console import print_summary, progress_bar

    try:
        with prefect_api():
            flow = getattr(importlib.import_module(f"flows.{name}"), name)
            with progress_bar():
                state = flow(**kwargs, return_state=True)
            if not state.is_completed():
                return _fail(EXIT_FAILED, f"{name} run failed: {state.message}")
            summary = state.result()
    except Exception as err:
        return _fail(EXIT_FAILED, f"{name} could not run: {type(err).__name__}: {err}")
    print_summary(summary)
    return 0


def _stats(args: argparse.Namespace, settings: Settings) -> int:
    from flows.cli.console import show_stats

    return show_stats(settings)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from flows.cli.console import run_export

    return run_export(settings, args.format, args.out)


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from flows.cli.console import run_report

    return run_report(settings, args.out)


HANDLERS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "sync": _sync,
    "backfill": _backfill,
    "fetch": _fetch,
    "opendata": _opendata,
    "reparse": _reparse,
    "stats": _stats,
    "export": _export,
    "report": _report,
}

if __name__ == "__main__":
    raise SystemExit(main())
