"""The one polite HTTP client: the only code that imports httpx.

Layers, outermost first: robots.txt and the pacer (:mod:`.robots`,
:mod:`.pacing`), retries with backoff, conditional GET, size caps
(:mod:`.layers`, :mod:`.conditional`), all driven by
:class:`~extractors.http.client.PoliteClient`.
"""
