"""``anq fetch UID ...``: fetch and load named questions now, due or not."""

from __future__ import annotations

from typing import Any

from prefect import flow

from extractors.uid import Uid, parse_uid
from flows import progress
from flows.pipeline import chunks
from flows.runner import open_run
from flows.tasks import prefect_run_id, run_batch, settings_from
from warehouse.observation import Target
from warehouse.queries import validators


@flow(name="fetch", validate_parameters=True)
def fetch(
    uids: list[str], force: bool = False, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Fetch the named questions (a 304 still counts: nothing changed).

    ``force`` drops the conditional-request validators, so the pages are
    downloaded, archived and parsed again even when the server says 304.
    ``options``: the run options of ``flows.config``.
    """
    params = dict(locals())
    parsed = sorted(dict.fromkeys(parse_uid(uid) for uid in uids))
    settings = settings_from("fetch", options)
    with open_run("fetch", settings, params, prefect_flow_run_id=prefect_run_id()) as run:
        known: dict[Uid, tuple[str | None, str | None]] = {}
        if not force:
            with run.reading() as con:
                known = validators(con, parsed)
        targets = [Target(uid, *known.get(uid, (None, None))) for uid in parsed]
        progress.add_total(len(targets))
        for batch in chunks(targets, settings.batch_size):
            run_batch(run, batch)
    return run.summary()  # after open_run's last load: the numbers the runs row holds
