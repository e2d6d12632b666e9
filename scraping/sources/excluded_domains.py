"""Which search results are not company websites: directories, social networks, news, marketplaces.

The list itself is the data file `excluded_domains.txt` beside this module, documented there and
meant to be edited without touching code. `is_excluded(url)` answers for one result URL.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from scraping.normalize import hostname, registrable_domain

LIST_FILE = Path(__file__).with_name("excluded_domains.txt")


def parse(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(hosts, names) from the list's text: `example.com` entries and `name.*` entries."""
    hosts: set[str] = set()
    names: set[str] = set()
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip().lower()
        if not entry:
            continue
        if entry.endswith(".*"):
            names.add(entry[:-2])
        else:
            hosts.add(entry.removeprefix("www."))
    return frozenset(hosts), frozenset(names)


@lru_cache(maxsize=1)
def _entries() -> tuple[frozenset[str], frozenset[str]]:
    return parse(LIST_FILE.read_text(encoding="utf-8"))


def is_excluded(url: str) -> bool:
    """True when the URL's host is on the list, or under a listed domain, or a listed `name.*`."""
    host = hostname(url)
    if not host:
        return True
    hosts, names = _entries()
    labels = host.split(".")
    # The host and every parent domain of it: maps.google.com, google.com, com.
    if any(".".join(labels[i:]) in hosts for i in range(len(labels))):
        return True
    return registrable_domain(host).split(".", 1)[0] in names
