"""The yardstick: a plain Scrapy crawl of the same pages ``anq backfill`` fetches.

A spider as one would write it for this site: one request per uid of a
number range, each page parsed with anq's own ``extractors.extract`` (so the
extraction is identical and only the machinery around it differs), the rows
kept in memory and written with one DuckDB bulk insert at the end. No
archive, no versions, no resumability, no orchestration: what anq adds on top
is what the comparison prices.

Usage: ``uv run python bench/scrapy_spider.py --base-url URL --legislature 14
--type QE --from-number 1 --to-number 20000 --db out.duckdb``; prints one JSON
line (pages, questions, errors).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractors import ExtractionError, Question, extract

SETTINGS = {
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": False,
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": False,
    "COOKIES_ENABLED": False,
}


class QuestionSpider(scrapy.Spider):
    name = "questions"

    def __init__(self, urls: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.rows: list[dict[str, Any]] = []
        self.pages = 0
        self.errors = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: Response) -> None:
        self.pages += 1
        try:
            found = extract(response.body, response.url)
        except ExtractionError:
            self.errors += 1
            return
        if isinstance(found, Question):
            self.rows.append(found.as_row())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--legislature", type=int, required=True)
    parser.add_argument("--type", default="QE")
    parser.add_argument("--from-number", type=int, default=1)
    parser.add_argument("--to-number", type=int, required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    leg, type_ = args.legislature, args.type
    urls = [
        f"{args.base_url}/dyn/{leg}/questions/QANR5L{leg}{type_}{n}"
        for n in range(args.from_number, args.to_number + 1)
    ]
    process = CrawlerProcess(settings=SETTINGS)
    crawler = process.create_crawler(QuestionSpider)
    process.crawl(crawler, urls=urls)
    process.start()
    spider = crawler.spider
    assert isinstance(spider, QuestionSpider)
    found = pa.Table.from_pylist(spider.rows)  # noqa: F841  (DuckDB reads it by name)
    with duckdb.connect(args.db) as con:
        con.execute("CREATE OR REPLACE TABLE questions AS SELECT * FROM found")
        stored = con.execute("SELECT count(*) FROM questions").fetchone()
    result = {"pages": spider.pages, "questions": stored[0] if stored else 0}
    print(json.dumps({**result, "errors": spider.errors}))


if __name__ == "__main__":
    main()
