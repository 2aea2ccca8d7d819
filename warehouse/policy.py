"""When a page is due to be fetched again: the refresh schedule, as a table.

Pure (no I/O, no clock): the loader calls :func:`next_due` with the fetch time
and stores the answer in ``fetch_state.next_due_at``; ``sync`` asks for every
open question whose time has come.

Why these intervals: answers to written questions are published in the
Journal officiel once a week, mostly within the first months of a question's
life, and a question is "signalée" after two months without an answer. A young
question is therefore worth a daily look, and no open question goes more than a
week (one JO issue) without one, so an answer is never more than a week late
in the warehouse:

==============================  ==========
age of the question             refetched
==============================  ==========
up to 2 months (61 days)        every day
up to 6 months (183 days)       every 3 days
older                           every 7 days
==============================  ==========

The age is counted from ``question_published_on`` (a question whose date is
unknown counts as new). Each interval is shortened by :data:`GRACE` so that a
nightly job, which does not start at exactly the same second every night,
still finds yesterday's pages due. Answered and withdrawn questions are never
due (``None``): they only come back with ``anq fetch`` or ``sync --all-open``.
A page whose last attempt failed is due at once, so the next run retries it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

#: (maximum age in days, refresh interval), first match wins; ``None`` = any age.
SCHEDULE: tuple[tuple[int | None, timedelta], ...] = (
    (61, timedelta(days=1)),
    (183, timedelta(days=3)),
    (None, timedelta(days=7)),
)

#: Slack taken off every interval so that a daily run is not skipped because it
#: started a few minutes earlier than the previous one.
GRACE = timedelta(hours=6)

#: Statuses whose questions are never refreshed on schedule.
CLOSED = frozenset({"answered", "withdrawn"})


def refresh_interval(question_published_on: date | None, fetched_at: datetime) -> timedelta:
    """The interval of :data:`SCHEDULE` for a question of this age at ``fetched_at``."""
    age = 0 if question_published_on is None else (fetched_at.date() - question_published_on).days
    for max_age, interval in SCHEDULE:
        if max_age is None or age <= max_age:
            return interval
    raise AssertionError("SCHEDULE must end with a catch-all row")  # pragma: no cover


def next_due(
    status: str | None,
    question_published_on: date | None,
    fetched_at: datetime,
    consecutive_failures: int,
) -> datetime | None:
    """When to fetch this page again, or ``None`` for never (unless asked).

    ``status`` is that of the question as now held (``None`` when no question
    is held for this uid: a gap in the numbering, never refreshed).
    """
    if consecutive_failures > 0:
        return fetched_at
    if status is None or status in CLOSED:
        return None
    return fetched_at + refresh_interval(question_published_on, fetched_at) - GRACE


# -- pages an open-data archive covers ------------------------------------------------------
#
# A question held in a fresh archive (one published within ARCHIVE_FRESH) is not refreshed
# on SCHEDULE: the archive says when it changes (``anq opendata`` then makes its page due).
# Each such open question is still read at least once every OPENDATA_SAFETY (four weeks),
# which catches what an archive misses. A record whose state differs from the page's is
# asked again after each newer archive for OPENDATA_RETRY after the record changed (the site
# and the archive may differ for a day); past that the disagreement is taken as real and
# left to the ``discrepancies`` view. Questions no fresh archive covers keep SCHEDULE.

#: An archive older than this covers nothing: its questions go back on SCHEDULE.
ARCHIVE_FRESH = timedelta(days=7)
#: The slow safety refresh of open questions a fresh archive covers.
OPENDATA_SAFETY = timedelta(weeks=4)
#: How long after a record's state changed a disagreeing page is asked again.
OPENDATA_RETRY = timedelta(days=7)


# -- discovery past the end of a fresh archive ----------------------------------------------
#
# A fresh archive lists every number up to its end, and the next one will list the numbers
# published since: ``sync`` does not probe past its end every night. Once every
# SAFETY_PROBE_EVERY it asks SAFETY_PROBE_SPAN numbers past it, which catches an archive
# that stopped growing. Where pages show numbers past the archive's end (a safety probe hit,
# or the site ahead of the dump), the pair is probed nightly again until an archive lists them.

#: How often numbers past a fresh archive's end are asked (less GRACE, as the schedule).
SAFETY_PROBE_EVERY = timedelta(days=7)
#: How many consecutive misses past a fresh archive's end end a safety probe.
SAFETY_PROBE_SPAN = 2


def discovery_span(covered: bool, probed_at: datetime | None, now: datetime, miss_run: int) -> int:
    """How many consecutive misses end tonight's probe past the highest known number
    (0: no probe). ``covered``: a fresh archive lists every number held; ``probed_at``:
    the last safety probe past its end."""
    if not covered:
        return miss_run
    if probed_at is None or probed_at <= now - SAFETY_PROBE_EVERY + GRACE:
        return min(SAFETY_PROBE_SPAN, miss_run)
    return 0
