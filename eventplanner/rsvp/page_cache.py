"""Rendered guest pages, kept per worker process, keyed by everything they show.

The key and the moment until which a page holds come from the page's read model
(``guest_page``): the invitation, its event's guest page version (a counter that moves in
the same transaction as every change to a row the page shows: see ``page_versions``) and
the page's variant; a page also changes with time alone (the answer deadline passes, a part
starts or ends), so each entry is kept until the next such moment. A change simply gives
a new key, so no entry is ever served stale; the oldest entries make room for new ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime


class RenderedPages:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._pages: OrderedDict[tuple, tuple[str, datetime | None]] = OrderedDict()
        self._lock = threading.Lock()
        #: Pages served from the cache so far.
        self.hits = 0

    def get(self, key: tuple, now: datetime) -> str | None:
        """The page kept under ``key``, unless it is gone or time has changed it."""
        with self._lock:
            entry = self._pages.get(key)
            if entry is None:
                return None
            page, valid_until = entry
            if valid_until is not None and now >= valid_until:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: tuple, page: str, valid_until: datetime | None) -> None:
        """Keep ``page`` under ``key`` until ``valid_until`` (None: as long as there is room)."""
        if self.capacity <= 0:
            return
        with self._lock:
            self._pages[key] = (page, valid_until)
            self._pages.move_to_end(key)
            while len(self._pages) > self.capacity:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)
