"""The Assembly's open-data question archives: records in, the same model out (pure, no I/O).

* :mod:`extractors.opendata.sources`: where each archive lives, per legislature and type
  (a table, not string building scattered in the flows).
* :mod:`extractors.opendata.record`: one ``{"question": {...}}`` record mapped to the
  ``questions`` columns, the closure read through the pages' status rules.
* :mod:`extractors.opendata.members`: the records of a zip, streamed member by member
  from a binary file object the caller opened.
"""

from extractors.opendata.members import ArchiveFormatError, RecordItem, iter_records
from extractors.opendata.record import OpenDataError, OpenRecord, read_record
from extractors.opendata.sources import ARCHIVES, Archive, archive_for, archives

__all__ = [
    "ARCHIVES",
    "Archive",
    "ArchiveFormatError",
    "OpenDataError",
    "OpenRecord",
    "RecordItem",
    "archive_for",
    "archives",
    "iter_records",
    "read_record",
]
