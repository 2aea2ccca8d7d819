"""A command's log records sent to its flow run (``flows/prefect_logs.py``), against a
loopback server that answers as Prefect's API does (``tests/support/prefect_double.py``)."""

from __future__ import annotations

import logging

import pytest

from flows import prefect_logs
from flows.prefect_logs import KeptLogs, sent_logs
from flows.prefect_rest import RecordedRun
from tests.support.prefect_double import prefect_double

log = logging.getLogger("anq.test")


def test_the_records_are_the_runs_logs() -> None:
    with prefect_double() as api:
        record = RecordedRun(api.url, "sync", {})
        with sent_logs(record):
            log.info("L16 QE: %d numbers done", 3)
            log.debug("not kept")
        record.close()
    calls = zip(api.calls, api.bodies, strict=True)
    (sent,) = [body for path, body in calls if path == "/api/logs/"]
    assert [(e["name"], e["level"], e["message"], e["flow_run_id"]) for e in sent] == [
        ("anq.test", logging.INFO, "L16 QE: 3 numbers done", "id-2")
    ]


def test_warnings_still_reach_stderr_and_information_does_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with prefect_double() as api:
        record = RecordedRun(api.url, "sync", {})
        with sent_logs(record):
            log.info("quiet")
            log.warning("QANR5L16QE1: extraction failed")
        record.close()
    assert capsys.readouterr().err == "QANR5L16QE1: extraction failed\n"


def test_a_run_keeps_a_bounded_number_of_records(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prefect_logs, "KEEP", 2)
    kept = KeptLogs()
    for n in range(5):
        kept.handle(log.makeRecord("anq.test", logging.INFO, __file__, 1, "page %d", (n,), None))
    assert [e["message"] for e in kept.all()] == [
        "page 0",
        "page 1",
        "3 more log records of this run were not kept",
    ]
