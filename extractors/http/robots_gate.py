"""Layer 2 of :class:`extractors.http.client.PoliteClient`: this run's robots.txt, fetched once.

Read safely: within the response deadline, and only its first 500 KiB when it
is longer (RFC 9309 2.5 lets a crawler stop there) rather than ignoring it.
"""

from __future__ import annotations

import logging
import threading

import httpx

from extractors.http.answer import Answer, TooLarge
from extractors.http.deadline import PastDeadline, ResponseDeadline
from extractors.http.decode import DecodeFailed
from extractors.http.layers import Exchanger
from extractors.http.pacing import Pacer
from extractors.http.robots import ROBOTS_MAX_BYTES, RobotsPolicy

log = logging.getLogger("anq.fetch")

#: What can leave robots.txt unread: the run then allows all, and says so.
UNREADABLE = (httpx.RequestError, TooLarge, ResponseDeadline, DecodeFailed, PastDeadline)


class RobotsGate:
    """This run's robots.txt policy, asked for through ``hops`` on first use.

    ``lock`` is the client's lock; the policy's Crawl-delay is given to ``pacer``.
    """

    def __init__(
        self,
        hops: Exchanger,
        origin: str,
        product: str,
        *,
        obey: bool,
        pacer: Pacer,
        lock: threading.RLock,
    ) -> None:
        self._hops = hops
        self._origin = origin
        self._product = product
        self._obey = obey
        self._pacer = pacer
        self._lock = lock
        self._robots: RobotsPolicy | None = None if obey else RobotsPolicy.allow_all()

    def policy(self) -> RobotsPolicy:
        """This run's robots policy, fetched on first use."""
        with self._lock:
            if self._robots is None:
                try:
                    policy = self._policy_from(self.get(None))
                except UNREADABLE as exc:
                    log.warning("robots.txt unreadable (%s): allowing all", exc)
                    policy = RobotsPolicy.allow_all()
                self._install(policy)
            assert self._robots is not None
            return self._robots

    def get(self, deadline: float | None) -> Answer:
        """Ask for robots.txt (one paced request, no retries, its first 500 KiB)."""
        url = self._origin + "/robots.txt"
        return self._hops.send(url, {}, deadline=deadline, prefix=ROBOTS_MAX_BYTES)

    def adopt(self, answer: Answer) -> None:
        """Take ``answer`` as this run's robots.txt unless a policy is already installed."""
        with self._lock:
            if self._robots is None:
                self._install(self._policy_from(answer))

    def _policy_from(self, answer: Answer) -> RobotsPolicy:
        """200: obey it; 4xx (none): allow all; 5xx, 3xx: allow all, but say so."""
        if answer.status == 200:
            text = answer.body.decode("utf-8", errors="replace")
            if answer.truncated:
                log.warning("robots.txt longer than %d bytes: reading its start", len(answer.body))
                text = text.rsplit("\n", 1)[0]  # a cut last line could allow too much
            return RobotsPolicy.parse(text, self._product)
        if not 400 <= answer.status < 500:
            log.warning("robots.txt answered HTTP %d: allowing all", answer.status)
        return RobotsPolicy.allow_all()

    def _install(self, policy: RobotsPolicy) -> None:
        if not self._obey:
            policy = RobotsPolicy.allow_all()
        self._robots = policy
        self._pacer.crawl_delay = policy.crawl_delay
        if policy.crawl_delay:
            log.info("robots.txt Crawl-delay %g s", policy.crawl_delay)
