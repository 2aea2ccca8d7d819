"""``PoliteClient.fetch(..., into=file)``: the body goes to the file, not to memory, through
the same layers (decoding, the cap, retries, redirects) as a page."""

from __future__ import annotations

import gzip
import io
import math

from extractors.http.decode import write_decoded
from tests.fetch.conftest import ClientFactory
from tests.support.siteserver import Fault, SiteServer

BODY = b"PK" + bytes(range(256)) * 400


def test_the_body_is_written_to_the_file(site: SiteServer, make_client: ClientFactory) -> None:
    site.pages["/a.zip"] = BODY
    sink = io.BytesIO()
    result = make_client().fetch("/a.zip", into=sink)
    assert (result.outcome, result.body, sink.getvalue()) == ("ok", None, BODY)


def test_what_the_file_held_before_is_replaced(
    site: SiteServer, make_client: ClientFactory
) -> None:
    site.pages["/a.zip"] = b"short"
    sink = io.BytesIO(b"an older and longer body")
    make_client().fetch("/a.zip", into=sink)
    assert sink.getvalue() == b"short"


def test_a_retried_answer_leaves_only_the_last_body(
    site: SiteServer, make_client: ClientFactory
) -> None:
    site.pages["/a.zip"] = BODY
    site.add_fault(Fault.truncate(), pattern="/a.zip", times=1)
    sink = io.BytesIO()
    result = make_client().fetch("/a.zip", into=sink)
    assert (result.outcome, result.attempts, sink.getvalue()) == ("ok", 2, BODY)


def test_a_body_past_the_cap_fails(site: SiteServer, make_client: ClientFactory) -> None:
    site.add_fault(Fault.oversize(200_000, declare_length=False), pattern="/big")
    result = make_client(max_body=100_000).fetch("/big", into=io.BytesIO())
    assert result.error == "body exceeds the 100000-byte cap; stopped reading"


def test_a_gzip_coded_body_is_decoded_into_the_file() -> None:
    sink = io.BytesIO()
    coded = gzip.compress(BODY)
    chunks = [coded[i : i + 1000] for i in range(0, len(coded), 1000)]
    written = write_decoded(chunks, "gzip", len(BODY), math.inf, sink)
    assert (written, sink.getvalue()) == (len(BODY), BODY)


def test_a_304_leaves_the_body_out(site: SiteServer, make_client: ClientFactory) -> None:
    site.pages["/a.zip"] = BODY
    first = make_client().fetch("/a.zip", into=io.BytesIO())
    again = make_client().fetch("/a.zip", etag=first.etag, into=io.BytesIO())
    assert (again.outcome, again.body) == ("not_modified", None)
