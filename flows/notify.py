"""Being told when a run fails: a Prefect notification block, named by ``ANQ_NOTIFY_BLOCK``.

Any notification block Prefect offers works (Slack, Microsoft Teams, Discord,
e-mail through Apprise, a custom webhook...): create and save it once, with the
Prefect UI or in Python, then set ``ANQ_NOTIFY_BLOCK`` to its
``"<block-type-slug>/<name>"`` (``slack-webhook/anq-alerts``) where the runs
start (the worker's environment, for deployments). A failed or crashed run
then sends one message: flow, run id, reason. A notification that cannot be
sent is logged, never raised: the run's outcome is already recorded.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("anq.notify")

ENV = "ANQ_NOTIFY_BLOCK"


def message(flow: str, run_id: str, state: str, reason: str | None) -> tuple[str, str]:
    """The subject and body of the notification for one run."""
    subject = f"anq {flow} run {state}"
    body = f"anq {flow} run {run_id} ended {state}: {reason or 'no reason recorded'}"
    return subject, body


def notify_failure(
    flow: str, run_id: str, state: str, reason: str | None, env: Mapping[str, str] | None = None
) -> bool:
    """Send the failure of one run to the configured block; whether it was sent."""
    name = (os.environ if env is None else env).get(ENV, "").strip()
    if not name:
        return False
    subject, body = message(flow, run_id, state, reason)
    try:
        from prefect.blocks.core import Block

        block: Any = Block.load(name)  # a NotificationBlock, whichever kind was saved
        block.notify(body, subject=subject)
    except Exception as err:  # a lost message must not turn a recorded run into a crash
        log.warning("could not send the failure of run %s through %s: %s", run_id, name, err)
        return False
    return True
