"""Rendered guest pages, kept per worker process, keyed by everything they show.

A key holds the invitation's, contact's and event's ``updated_at`` (every change that a
guest page shows moves one of them), whether answers are still open, the guest's places
in line, and the page's variant. A changed invitation simply gets a new key, so no entry
is ever served stale; the oldest entries make room for new ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class RenderedPages:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._pages: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: str) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.capacity:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)
