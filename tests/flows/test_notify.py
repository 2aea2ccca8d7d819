"""Failure notifications go through a real Prefect notification block to a loopback webhook."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.testing.utilities import prefect_test_harness

from flows.notify import message, notify_failure

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        _Hook.received.append(json.loads(self.rfile.read(length) or b"{}"))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def webhook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


@pytest.fixture(scope="module")
def block(webhook: str) -> Iterator[str]:
    with prefect_test_harness(server_startup_timeout=240):
        CustomWebhookNotificationBlock(
            name="anq-test", url=webhook, json_data={"subject": "{{subject}}", "body": "{{body}}"}
        ).save("anq-test", overwrite=True)
        yield "custom-webhook/anq-test"


def test_message_names_the_flow_run_and_reason() -> None:
    subject, body = message("sync", "r1", "failed", "drift: rubrique")
    assert subject == "anq sync run failed"
    assert body == "anq sync run r1 ended failed: drift: rubrique"


def test_nothing_is_sent_without_a_block() -> None:
    assert notify_failure("sync", "r1", "failed", "x", None) is False


def test_a_failure_reaches_the_webhook(block: str) -> None:
    _Hook.received.clear()
    sent = notify_failure("sync", "r2", "failed", "drift: rubrique", block)
    assert sent and _Hook.received == [
        {"subject": "anq sync run failed", "body": "anq sync run r2 ended failed: drift: rubrique"}
    ]


def test_a_missing_block_is_logged_not_raised(block: str, caplog: pytest.LogCaptureFixture) -> None:
    sent = notify_failure("sync", "r3", "failed", "x", "custom-webhook/no-such-block")
    assert sent is False and "could not send the failure of run r3" in caplog.text
