"""Being told when a run fails: a Prefect notification block named by a run option.

The option is ``notify_block`` (``--notify-block``, ``ANQ_NOTIFY_BLOCK``).
Any notification block Prefect offers works (Slack, Microsoft Teams, Discord,
e-mail through Apprise, a custom webhook...): create and save it once, with the
Prefect UI or in Python, then set the option to its
``"<block-type-slug>/<name>"`` (``slack-webhook/anq-alerts``) where the runs
start (the worker's environment, for deployments). A failed or crashed run
then sends one message: flow, run id, reason. A notification that cannot be
sent is logged, never raised: the run's outcome is already recorded.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("anq.notify")


def message(flow: str, run_id: str, state: str, reason: str | None) -> tuple[str, str]:
    """The subject and body of the notification for one run."""
    subject = f"anq {flow} run {state}"
    body = f"anq {flow} run {run_id} ended {state}: {reason or 'no reason recorded'}"
    return subject, body


def notify_failure(
    flow: str, run_id: str, state: str, reason: str | None, block: str | None
) -> bool:
    """Send the failure of one run to ``block`` (None: nobody); whether it was sent."""
    if not block or not block.strip():
        return False
    subject, body = message(flow, run_id, state, reason)
    try:
        from prefect.blocks.core import Block

        notifier: Any = Block.load(block.strip())  # a NotificationBlock, whichever kind
        notifier.notify(body, subject=subject)
    except Exception as err:  # a lost message must not turn a recorded run into a crash
        log.warning("could not send the failure of run %s through %s: %s", run_id, block, err)
        return False
    return True
